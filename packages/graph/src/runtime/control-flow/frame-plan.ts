// The static side of v1 loops (Enter / Exit / NextIteration frames): the plan's steps as a dataflow graph the frame
// executor walks, with each node's consumers per output, its data / control input counts, the Merge back edges, and
// the number of Enter nodes per frame name (a frame's first iteration is not done until all of them have arrived).

import { read } from '../../attrs.js';
import { GraphError } from '../../errors.js';
import { parseInput } from '../../names.js';
import { opDefaults } from '../../ops/op-registry.js';
import type { PlanStep } from '../plan.js';

export type FrameRole = 'op' | 'merge' | 'enter' | 'exit' | 'next';

export interface FrameNode {
  index: number;
  step: PlanStep;
  role: FrameRole;
  /** Per output: the (node, data input) pairs it feeds. */
  out: { node: number; port: number }[][];
  /** Nodes with a control input from this one. */
  controlOut: number[];
  /** Data inputs, control inputs (fed data inputs not counted: they are filled before the run). */
  dataInputs: number;
  controlInputs: number;
  /** Data input port → fed tensor key, for inputs cut by a feed. */
  fedInputs: [number, string][];
  /** Merge: how many data inputs come from a NextIteration (absent in a frame's first iteration). */
  backEdges: number;
  /** Enter: the child frame's name, whether its value is a loop invariant, the frame's parallel_iterations. */
  frame?: { name: string; constant: boolean; parallel: number };
}

export interface FramePlan {
  nodes: FrameNode[];
  /** Frame name → its Enter nodes in this plan. */
  enterCount: Map<string, number>;
  /** Fetch (`node:k`) → node index and output, for fetches this plan computes (not fed, not targets). */
  fetches: Map<string, { node: number; output: number }>;
}

const ROLE: Record<string, FrameRole> = {
  Merge: 'merge',
  RefMerge: 'merge',
  Enter: 'enter',
  RefEnter: 'enter',
  Exit: 'exit',
  RefExit: 'exit',
  NextIteration: 'next',
  RefNextIteration: 'next',
};

export const FRAME_OPS = new Set(['Enter', 'RefEnter', 'Exit', 'RefExit', 'NextIteration', 'RefNextIteration']);

export function buildFramePlan(
  steps: readonly PlanStep[],
  fed: ReadonlySet<string>,
  fetches: readonly string[],
): FramePlan {
  const index = new Map(steps.map((s, i) => [s.node.name, i]));
  const nodes: FrameNode[] = steps.map((step, i) => ({
    index: i,
    step,
    role: ROLE[step.node.op] ?? 'op',
    out: [],
    controlOut: [],
    dataInputs: 0,
    controlInputs: 0,
    fedInputs: [],
    backEdges: 0,
  }));
  const enterCount = new Map<string, number>();
  for (const node of nodes) {
    const def = node.step.node;
    let port = 0;
    for (const input of def.input) {
      const ref = parseInput(input, def.name);
      if (ref.index < 0) {
        const src = index.get(ref.node);
        if (src === undefined) continue; // pruned away (a pure computation only a control input asked for)
        nodes[src]!.controlOut.push(node.index);
        node.controlInputs++;
        continue;
      }
      const key = `${ref.node}:${ref.index}`;
      const p = port++;
      if (fed.has(key)) {
        node.fedInputs.push([p, key]);
        continue;
      }
      const src = index.get(ref.node);
      if (src === undefined)
        throw new GraphError('MISSING_INPUT', `input '${input}' is not in the plan`, { node: def.name });
      const outs = nodes[src]!.out;
      while (outs.length <= ref.index) outs.push([]);
      outs[ref.index]!.push({ node: node.index, port: p });
      node.dataInputs++;
      if (node.role === 'merge' && ROLE[nodes[src]!.step.node.op] === 'next') node.backEdges++;
    }
    if (node.role === 'enter') {
      const d = opDefaults(def.op);
      const name = read.s(def, 'frame_name', d);
      node.frame = {
        name,
        constant: read.b(def, 'is_constant', d),
        parallel: Math.max(1, read.i(def, 'parallel_iterations', d)),
      };
      enterCount.set(name, (enterCount.get(name) ?? 0) + 1);
    }
  }
  const fetchMap = new Map<string, { node: number; output: number }>();
  for (const f of fetches) {
    if (!f.includes(':')) continue;
    const ref = parseInput(f);
    const key = `${ref.node}:${ref.index}`;
    if (fed.has(key)) continue;
    fetchMap.set(key, { node: index.get(ref.node)!, output: ref.index });
  }
  return { nodes, enterCount, fetches: fetchMap };
}
