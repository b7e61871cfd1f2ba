// Fusion in a run's plan, as TensorFlow's grappler (remapper) and tfjs's GraphModel do: Conv2D or
// DepthwiseConv2dNative or MatMul, then BiasAdd, then optionally Relu / Relu6 / Elu, run as one tfjs fused kernel
// (XNNPACK adds the bias and applies the activation while it writes the output: one pass instead of three, and two
// fewer intermediates). A chain is fused only where nothing else in the run reads its intermediates: no other node of
// the plan (a gradient op, a summary), no fetch, no feed, no control edge. Gradients read the activation's output
// (ReluGrad, EluGrad), which the fused node still produces, so training plans fuse their forward pass too; a node
// that needs the pre-activation value keeps the chain apart.
import { DataType, tensorflow } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import { attrsOf, padding, T, tf } from './kernels/common.js';
import type { Step } from './values.js';

type Activation = 'linear' | 'relu' | 'relu6' | 'elu';
const ACTIVATIONS: Record<string, Activation> = { Relu: 'relu', Relu6: 'relu6', Elu: 'elu' };
/** The fused node's op, TensorFlow's name for what grappler makes of the same chain. */
const FUSED_OP: Record<string, string> = {
  Conv2D: '_FusedConv2D',
  DepthwiseConv2dNative: '_FusedDepthwiseConv2dNative',
  MatMul: '_FusedMatMul',
};

export interface Fusion {
  /** The plan's nodes with each fused chain replaced by one node named as the chain's last (its output's name). */
  nodes: NodeDef[];
  /** The compiled step of each fused node. */
  runs: Map<NodeDef, Step>;
}

/** Fuses the chains of `nodes` (a plan's, in topological order) whose intermediates only the chain reads. */
export function fuseChains(nodes: readonly NodeDef[], pinned: ReadonlySet<string>): Fusion {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const readers = new Map<string, NodeDef[]>();
  const controlled = new Set<string>();
  for (const n of nodes) {
    for (const input of n.input) {
      if (input.startsWith('^')) {
        controlled.add(input.slice(1));
        continue;
      }
      const ref = parseInput(input, n.name);
      const key = `${ref.node}:${ref.index}`;
      const list = readers.get(key);
      if (list) list.push(n);
      else readers.set(key, [n]);
    }
  }
  // the one reader of `node`'s output 0, when it is the chain's only use of it
  const soleReader = (node: NodeDef): NodeDef | undefined => {
    const key = `${node.name}:0`;
    const list = readers.get(key);
    if (pinned.has(key) || controlled.has(node.name) || list?.length !== 1) return undefined;
    return list[0];
  };
  const plain = (n: NodeDef) => !n.input.some((i) => i.startsWith('^'));

  const removed = new Set<NodeDef>();
  const replaced = new Map<NodeDef, NodeDef>();
  const runs = new Map<NodeDef, Step>();
  for (const bias of nodes) {
    if (bias.op !== 'BiasAdd' || !plain(bias) || !isFloat(bias) || attrsOf(bias).s('data_format') !== 'NHWC') continue;
    const ref = parseInput(bias.input[0]!, bias.name);
    const head = byName.get(ref.node);
    if (!head || ref.index !== 0 || !FUSED_OP[head.op] || !plain(head) || !isFloat(head) || removed.has(head)) continue;
    if (soleReader(head) !== bias || !fusable(head)) continue;
    let last = bias;
    let activation: Activation = 'linear';
    const act = soleReader(bias);
    if (
      act &&
      ACTIVATIONS[act.op] &&
      plain(act) &&
      isFloat(act) &&
      parseInput(act.input[0]!, act.name).node === bias.name
    ) {
      last = act;
      activation = ACTIVATIONS[act.op]!;
    }
    const fused = tensorflow.NodeDef.create({
      name: last.name,
      op: FUSED_OP[head.op]!,
      input: [head.input[0]!, head.input[1]!, bias.input[1]!],
      attr: { fused_ops: attr.listS(activation === 'linear' ? ['BiasAdd'] : ['BiasAdd', last.op]) },
    });
    runs.set(fused, fusedStep(head, fused, activation));
    removed.add(head);
    if (last !== bias) removed.add(bias);
    replaced.set(last, fused);
  }
  if (!runs.size) return { nodes: [...nodes], runs };
  return { nodes: nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n), runs };
}

function isFloat(n: NodeDef): boolean {
  return attrsOf(n).type('T') === DataType.DT_FLOAT;
}

/** Chains whose head this fusion covers: NHWC convolutions (depthwise: SAME or VALID), any MatMul. */
function fusable(head: NodeDef): boolean {
  const a = attrsOf(head);
  if (head.op === 'MatMul') return true;
  if (a.s('data_format') !== 'NHWC') return false;
  return head.op === 'Conv2D' || a.s('padding') === 'SAME' || a.s('padding') === 'VALID';
}

function fusedStep(head: NodeDef, fused: NodeDef, activation: Activation): Step {
  const a = attrsOf(head);
  if (head.op === 'MatMul') {
    const ta = a.b('transpose_a');
    const tb = a.b('transpose_b');
    // transposed copies first, as the MatMul kernel does (tfjs's wasm matMul is slow with a transpose flag)
    return (i, s) => {
      const x = T(i, 0, s, fused);
      const y = T(i, 1, s, fused);
      const bias = T(i, 2, s, fused);
      return [
        tf.fused.matMul({ a: ta ? tf.transpose(x) : x, b: tb ? tf.transpose(y) : y, bias, activation }) as tf.Tensor,
      ];
    };
  }
  const st = a.listI('strides');
  const dl = a.listI('dilations');
  const pad = padding(head);
  const conv = head.op === 'Conv2D' ? tf.fused.conv2d : tf.fused.depthwiseConv2d;
  return (i, s) => [
    conv({
      x: T(i, 0, s, fused) as tf.Tensor4D,
      filter: T(i, 1, s, fused) as tf.Tensor4D,
      strides: [st[1]!, st[2]!],
      pad: pad as 'same',
      dataFormat: 'NHWC',
      dilations: [dl[1]!, dl[2]!],
      bias: T(i, 2, s, fused),
      activation,
    }),
  ];
}
