// Fusion in a run's plan, as TensorFlow's grappler (remapper) and tfjs's GraphModel do: Conv2D or
// DepthwiseConv2dNative or MatMul, then BiasAdd, then optionally Relu / Relu6 / Elu, run as one tfjs fused kernel
// (XNNPACK adds the bias and applies the activation while it writes the output: one pass instead of three, and two
// fewer intermediates). A chain is fused only where nothing else in the run reads its intermediates: no other node of
// the plan (a gradient op, a summary), no fetch, no feed, no control edge. Gradients read the activation's output
// (ReluGrad, EluGrad), which the fused node still produces, so training plans fuse their forward pass too; a node
// that needs the pre-activation value keeps the chain apart.
// An inference-mode FusedBatchNorm after a convolution is folded into it (grappler's FoldFusedBatchNorm and
// FusedConv2D with FusedBatchNorm): y = conv(x, w * f) + (offset - mean * f), f = rsqrt(variance + epsilon) * scale.
// Only when its scale, offset, mean and variance are constants or variable reads (not fed) and nothing reads the
// conv's output or the batch norm's other outputs; the folded filter and bias are made once per set of input tensors
// (a variable's version: its stored tensor changes when it is assigned) and kept until the next version or close.
// Training batch norms (is_training true) and anything a gradient reads stay apart from convolutions. A training batch
// norm whose y only a Relu reads runs the Relu itself (TensorFlow's _FusedBatchNormEx, activation_mode Relu, as
// grappler's remapper makes it on CPU): the Relu's node passes that output on, and the batch norm's other outputs,
// which its gradient reads, keep their names.
import { DataType, tensorflow } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import { changeCount } from './in-place.js';
import { batchNormStep } from './kernels/batch-norm.js';
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

/** Where folded filters and biases live between runs: kept by the session, dropped on a new version. */
export interface FoldHolder {
  keep<T extends tf.Tensor>(t: T): T;
  drop(t: tf.Tensor): void;
}

const BATCH_NORMS = new Set(['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3']);
/** Ops whose output is the same tensor run after run until a variable is assigned. */
const STORED = new Set(['Const', 'VariableV2', 'Variable', 'ReadVariableOp']);

/** Fuses the chains of `nodes` (a plan's, in topological order) whose intermediates only the chain reads. */
export function fuseChains(nodes: readonly NodeDef[], pinned: ReadonlySet<string>, holder?: FoldHolder): Fusion {
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
  // the node's inputs 1.. name tensors that are the same from run to run (constants, variable reads), none fed
  const stored = (input: string, user: string): boolean => {
    const ref = parseInput(input, user);
    if (ref.index < 0 || pinned.has(`${ref.node}:${ref.index}`)) return false;
    const n = byName.get(ref.node);
    if (!n) return false;
    if (STORED.has(n.op)) return true;
    return (n.op === 'Identity' || n.op === 'RefIdentity') && !!n.input[0] && stored(n.input[0], n.name);
  };
  // the activation that alone reads `node`'s output 0, if any
  const activationAfter = (node: NodeDef): NodeDef | undefined => {
    const act = soleReader(node);
    if (!act || !ACTIVATIONS[act.op] || !plain(act) || !isFloat(act)) return undefined;
    return parseInput(act.input[0]!, act.name).node === node.name ? act : undefined;
  };
  if (holder) {
    for (const bn of nodes) {
      if (!BATCH_NORMS.has(bn.op) || !plain(bn) || !isFloat(bn)) continue;
      const a = attrsOf(bn);
      if (a.b('is_training') || a.s('data_format') !== 'NHWC') continue;
      if ([1, 2, 3, 4, 5].some((k) => readers.has(`${bn.name}:${k}`) || pinned.has(`${bn.name}:${k}`))) continue;
      if (!bn.input.slice(1, 5).every((i) => stored(i, bn.name))) continue;
      const ref = parseInput(bn.input[0]!, bn.name);
      const head = byName.get(ref.node);
      if (!head || ref.index !== 0 || !plain(head) || !isFloat(head) || removed.has(head)) continue;
      if ((head.op !== 'Conv2D' && head.op !== 'DepthwiseConv2dNative') || !fusable(head)) continue;
      if (soleReader(head) !== bn) continue;
      const act = activationAfter(bn);
      const last = act ?? bn;
      const activation: Activation = act ? ACTIVATIONS[act.op]! : 'linear';
      const fused = tensorflow.NodeDef.create({
        name: last.name,
        op: FUSED_OP[head.op]!,
        input: [head.input[0]!, head.input[1]!, ...bn.input.slice(1, 5)],
        attr: {
          fused_ops: attr.listS(act ? ['FusedBatchNorm', act.op] : ['FusedBatchNorm']),
          epsilon: attr.f(a.f('epsilon')),
        },
      });
      runs.set(fused, foldedStep(head, fused, activation, a.f('epsilon'), holder));
      removed.add(head);
      if (act) removed.add(bn);
      replaced.set(last, fused);
    }
  }
  for (const bn of nodes) {
    if (!BATCH_NORMS.has(bn.op) || replaced.has(bn) || removed.has(bn) || !plain(bn) || !isFloat(bn)) continue;
    const a = attrsOf(bn);
    if (!a.b('is_training') || a.s('data_format') !== 'NHWC') continue;
    const relu = activationAfter(bn);
    if (relu?.op !== 'Relu' || replaced.has(relu)) continue;
    const fused = tensorflow.NodeDef.create({
      name: bn.name,
      op: '_FusedBatchNormEx',
      input: [...bn.input],
      attr: { ...bn.attr, activation_mode: attr.s('Relu'), num_side_inputs: attr.i(0) },
    });
    const through = tensorflow.NodeDef.create({
      name: relu.name,
      op: 'Identity',
      input: [...relu.input],
      attr: { T: relu.attr.T! },
    });
    runs.set(fused, batchNormStep(bn, true));
    runs.set(through, (i) => [i[0]!]);
    replaced.set(bn, fused);
    replaced.set(relu, through);
  }
  for (const bias of nodes) {
    if (bias.op !== 'BiasAdd' || !plain(bias) || !isFloat(bias) || attrsOf(bias).s('data_format') !== 'NHWC') continue;
    const ref = parseInput(bias.input[0]!, bias.name);
    const head = byName.get(ref.node);
    if (!head || ref.index !== 0 || !FUSED_OP[head.op] || !plain(head) || !isFloat(head) || removed.has(head)) continue;
    if (replaced.has(bias) || soleReader(head) !== bias || !fusable(head)) continue;
    const act = activationAfter(bias);
    const last = act ?? bias;
    const activation: Activation = act ? ACTIVATIONS[act.op]! : 'linear';
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

/** False for nodes without a 'T' attr (a Const feeding a batch norm, say): only typed compute ops fuse. */
function isFloat(n: NodeDef): boolean {
  return !!n.attr?.['T'] && attrsOf(n).type('T') === DataType.DT_FLOAT;
}

/** Chains whose head this fusion covers: NHWC convolutions (depthwise: SAME or VALID), any MatMul. */
function fusable(head: NodeDef): boolean {
  const a = attrsOf(head);
  if (head.op === 'MatMul') return true;
  if (a.s('data_format') !== 'NHWC') return false;
  return head.op === 'Conv2D' || a.s('padding') === 'SAME' || a.s('padding') === 'VALID';
}

/** The conv's filter and bias with the batch norm folded in, made again only when one of its inputs changes. */
function foldedStep(head: NodeDef, fused: NodeDef, activation: Activation, eps: number, holder: FoldHolder): Step {
  const conv = convStep(head, fused, activation);
  let made: { key: string; filter: tf.Tensor; bias: tf.Tensor } | undefined;
  return (i, s) => {
    const filter = T(i, 1, s, fused) as tf.Tensor4D;
    const [scale, offset, mean, variance] = [2, 3, 4, 5].map((k) => T(i, k, s, fused));
    const key = [filter, scale, offset, mean, variance].map((t) => `${t!.id}.${changeCount(t!)}`).join(',');
    if (made?.key !== key) {
      if (made) {
        holder.drop(made.filter);
        holder.drop(made.bias);
      }
      // TensorFlow's grouping: f = rsqrt(variance + epsilon) * scale
      const f = tf.mul(tf.rsqrt(tf.add(variance!, eps)), scale!);
      // a depthwise filter's output channels are [in, multiplier] flattened
      const perOut = head.op === 'Conv2D' ? f : tf.reshape(f, [filter.shape[2], filter.shape[3]]);
      made = {
        key,
        filter: holder.keep(tf.mul(filter, perOut)),
        bias: holder.keep(tf.sub(offset!, tf.mul(mean!, f))),
      };
    }
    return conv(made.filter as tf.Tensor4D, made.bias, i, s);
  };
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
  const conv = convStep(head, fused, activation);
  return (i, s) => conv(T(i, 1, s, fused) as tf.Tensor4D, T(i, 2, s, fused), i, s);
}

type ConvRun = (filter: tf.Tensor4D, bias: tf.Tensor, ...step: Parameters<Step>) => ReturnType<Step>;

/** The fused conv of `head`'s attrs on input 0 with the given filter and bias. */
function convStep(head: NodeDef, fused: NodeDef, activation: Activation): ConvRun {
  const a = attrsOf(head);
  const st = a.listI('strides');
  const dl = a.listI('dilations');
  const pad = padding(head);
  const conv = head.op === 'Conv2D' ? tf.fused.conv2d : tf.fused.depthwiseConv2d;
  return (filter, bias, i, s) => [
    conv({
      x: T(i, 0, s, fused) as tf.Tensor4D,
      filter,
      strides: [st[1]!, st[2]!],
      pad: pad as 'same',
      dataFormat: 'NHWC',
      dilations: [dl[1]!, dl[2]!],
      bias,
      activation,
    }),
  ];
}
