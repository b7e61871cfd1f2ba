// Execution plans: the nodes a run needs (pruned from the fetches back to the feeds, control inputs included), in
// topological order, each input and output given a slot, and for every slot the step after which it is released.
import { GraphError } from '../errors.js';
import type { Graph, NodeDef } from '../graph.js';
import { topoOrder } from '../graph-def.js';
import { parseInput } from '../names.js';
import { getOpDef, isStateful } from '../ops/op-registry.js';
import { buildFramePlan, FRAME_OPS, type FramePlan } from './control-flow/frame-plan.js';
import { type FoldHolder, fuseChains } from './fusion.js';
import { KERNELS } from './kernels/index.js';
import type { Step } from './values.js';

export interface PlanStep {
  node: NodeDef;
  run: Step;
  /** Slot of each data input. */
  inputs: number[];
  /** Slot of each output, -1 when nothing uses it. */
  outputs: number[];
  /** Slots whose last use is this step. */
  release: number[];
  /** Run on the CPU backend (the active one lacks a kernel it needs). */
  cpu: boolean;
  /** Steps this one has control inputs from (a dead one makes this one dead too). */
  controlSteps: number[];
  /** Merge forwards its first live input instead of dying with a dead one. */
  merge: boolean;
}

export interface Plan {
  steps: PlanStep[];
  slots: number;
  /** Feed tensor name (canonical `x:0`) → slot. */
  feeds: Map<string, number>;
  /** Slot per fetch; -1 for an op fetched as a target. */
  fetches: number[];
  graphVersion: number;
  /** The plan has Switch ops, so dead tensors must be tracked. */
  hasDeadFlow: boolean;
  /** The plan has v1 loops (Enter / Exit / NextIteration): it runs on the frame executor, not in step order. */
  frames?: FramePlan;
}

export function buildPlan(
  graph: Graph,
  fetches: readonly string[],
  feedKeys: readonly string[],
  compile: (node: NodeDef) => Step,
  cpuOps: ReadonlySet<string>,
  fuse = false,
  /** Keeps the filters and biases of batch norms folded into convolutions (none are folded without it). */
  holder?: FoldHolder,
): Plan {
  const fed = new Set(feedKeys);
  for (const key of feedKeys) {
    const ref = parseInput(key);
    if (!graph.hasNode(ref.node))
      throw new GraphError('NOT_FOUND', `feed '${key}' names no node in the graph`, { node: ref.node });
  }
  // prune: walk back from the fetches, stopping at fed tensors
  const roots: string[] = [];
  for (const f of fetches) {
    const ref = parseInput(f);
    const node = graph.node(ref.node);
    if (!node) throw new GraphError('NOT_FOUND', `fetch '${f}' names no node in the graph`, { node: ref.node });
    if (ref.index >= 0 && f.includes(':') && fed.has(`${ref.node}:${ref.index}`)) continue;
    roots.push(ref.node);
  }
  let needed = reach(graph, roots, fed, () => true);
  // A pure computation that only a control input asks for has no effect a run can see: tf.gradients' tuple() makes
  // every gradient op a control input of the others (group_deps), so a train op would otherwise also compute the
  // gradients of its inputs (a dense layer's dX over its features). Those are dropped unless something they depend on
  // writes state or checks values. Graphs with Switch keep every control input (they carry dead-branch flow).
  if (![...needed].some((n) => SWITCH.has(graph.node(n)!.op))) {
    const effect = effects(graph, needed, fed);
    needed = reach(graph, roots, fed, (name) => effect.has(name));
  }
  let nodes = topoOrder(graph.nodes.filter((n) => needed.has(n.name)));

  // every unsupported op, named before any kernel runs
  const missing = new Map<string, string[]>();
  for (const n of nodes) {
    if (!KERNELS[n.op]) {
      const list = missing.get(n.op) ?? [];
      list.push(n.name);
      missing.set(n.op, list);
    }
  }
  if (missing.size) {
    const what = [...missing].map(
      ([op, names]) => `${op} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''})`,
    );
    throw new GraphError('UNSUPPORTED_OP', `this runtime has no kernel for: ${what.join('; ')}`, {
      node: [...missing.values()][0]![0],
    });
  }

  // conv / matmul + bias + activation chains as one fused kernel (fusion.ts); not across dead-branch or loop flow
  let fused = new Map<NodeDef, Step>();
  if (fuse && !nodes.some((n) => SWITCH.has(n.op) || FRAME_OPS.has(n.op))) {
    const pinned = new Set(feedKeys);
    for (const f of fetches) {
      const ref = parseInput(f);
      pinned.add(`${ref.node}:${Math.max(ref.index, 0)}`);
    }
    ({ nodes, runs: fused } = fuseChains(nodes, pinned, holder));
  }

  let slots = 0;
  const slotOf = new Map<string, number>();
  const feeds = new Map<string, number>();
  for (const key of feedKeys) {
    const s = slots++;
    slotOf.set(key, s);
    feeds.set(key, s);
  }
  const slotFor = (key: string) => {
    const have = slotOf.get(key);
    if (have !== undefined) return have;
    const s = slots++;
    slotOf.set(key, s);
    return s;
  };
  const lastUse = new Map<number, number>();
  const steps: PlanStep[] = nodes.map((node, index) => {
    const inputs: number[] = [];
    for (const input of node.input) {
      const ref = parseInput(input, node.name);
      if (ref.index < 0) continue;
      const s = slotFor(`${ref.node}:${ref.index}`);
      inputs.push(s);
      lastUse.set(s, index);
    }
    return {
      node,
      run: fused.get(node) ?? compile(node),
      inputs,
      outputs: [],
      release: [],
      cpu: cpuOps.has(node.op),
      controlSteps: [],
      merge: node.op === 'Merge' || node.op === 'RefMerge',
    };
  });
  const stepIndex = new Map(nodes.map((n, i) => [n.name, i]));
  for (const step of steps) {
    for (const input of step.node.input) {
      if (!input.startsWith('^')) continue;
      const at = stepIndex.get(input.slice(1));
      if (at !== undefined) step.controlSteps.push(at);
    }
  }
  const fetchSlots = fetches.map((f) => {
    const ref = parseInput(f);
    if (!f.includes(':')) return -1;
    const s = slotFor(`${ref.node}:${ref.index}`);
    lastUse.set(s, Number.POSITIVE_INFINITY);
    return s;
  });
  // outputs: a slot only for tensors someone reads
  const readIndices = new Map<string, number>();
  for (const key of slotOf.keys()) {
    if (fed.has(key)) continue;
    const ref = parseInput(key);
    readIndices.set(ref.node, Math.max(readIndices.get(ref.node) ?? -1, ref.index));
  }
  for (const step of steps) {
    const max = readIndices.get(step.node.name) ?? -1;
    step.outputs = new Array<number>(max + 1).fill(-1);
    for (let k = 0; k <= max; k++) step.outputs[k] = slotOf.get(`${step.node.name}:${k}`) ?? -1;
  }
  for (const [slot, at] of lastUse) if (Number.isFinite(at)) steps[at]!.release.push(slot);
  const hasDeadFlow = nodes.some((n) => n.op === 'Switch' || n.op === 'RefSwitch');
  const plan: Plan = { steps, slots, feeds, fetches: fetchSlots, graphVersion: graph.version, hasDeadFlow };
  if (nodes.some((n) => FRAME_OPS.has(n.op))) plan.frames = buildFramePlan(steps, fed, fetches);
  return plan;
}

const SWITCH = new Set(['Switch', 'RefSwitch']);
/** Stateful in their OpDef, but a run that does not use their output cannot see that they ran. */
const READ_ONLY = new Set([
  'ReadVariableOp',
  'ResourceGather',
  'VarHandleOp',
  'VariableV2',
  'VarIsInitializedOp',
  'IsVariableInitialized',
  'RandomUniform',
  'RandomUniformInt',
  'RandomStandardNormal',
  'TruncatedNormal',
]);
/** Not stateful in their OpDef, but their point is the error they may raise. */
const CHECKS = new Set(['CheckNumerics', 'CheckNumericsV2', 'Assert', 'EnsureShape']);

/** The nodes the roots need: data inputs always, control inputs when `followControl(name)` says so. */
function reach(
  graph: Graph,
  roots: readonly string[],
  fed: ReadonlySet<string>,
  followControl: (name: string) => boolean,
): Set<string> {
  const needed = new Set<string>();
  const stack: string[] = [];
  for (const r of roots) {
    if (!needed.has(r)) {
      needed.add(r);
      stack.push(r);
    }
  }
  while (stack.length) {
    const node = graph.node(stack.pop()!)!;
    for (const input of node.input) {
      const ref = parseInput(input, node.name);
      if (ref.index >= 0 && fed.has(`${ref.node}:${ref.index}`)) continue;
      if (!graph.hasNode(ref.node)) {
        throw new GraphError('MISSING_INPUT', `input '${input}' names a node that does not exist`, { node: node.name });
      }
      if (ref.index < 0 && !followControl(ref.node)) continue;
      if (!needed.has(ref.node)) {
        needed.add(ref.node);
        stack.push(ref.node);
      }
    }
  }
  return needed;
}

/** The nodes among `needed` that have an effect or depend (data or control) on one that has. */
function effects(graph: Graph, needed: ReadonlySet<string>, fed: ReadonlySet<string>): Set<string> {
  const own = (node: NodeDef) => {
    if (CHECKS.has(node.op)) return true;
    if (READ_ONLY.has(node.op)) return false;
    const def = getOpDef(node.op);
    // a ref input is written through (Assign, ApplyGradientDescent); unknown ops count as effects
    return !def || isStateful(node.op) || (def.input_arg ?? []).some((a) => a.is_ref);
  };
  const out = new Set<string>();
  for (const node of topoOrder(graph.nodes.filter((n) => needed.has(n.name)))) {
    if (own(node)) {
      out.add(node.name);
      continue;
    }
    for (const input of node.input) {
      const ref = parseInput(input, node.name);
      if (ref.index >= 0 && fed.has(`${ref.node}:${ref.index}`)) continue;
      if (out.has(ref.node)) {
        out.add(node.name);
        break;
      }
    }
  }
  return out;
}
