// Small helpers shared by the kernel files.
import * as tf from '@tensorflow/tfjs-core';
import { read } from '../../attrs.js';
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { opDefaults } from '../../ops/op-registry.js';
import { requireTfjsDtype } from '../tensor-proto.js';
import type { RunState, Value, VarRef } from '../values.js';
import { isRef } from '../values.js';

export { read, tf };

/** Attr readers bound to the node and its OpDef defaults. */
export function attrsOf(node: NodeDef) {
  const d = opDefaults(node.op);
  return {
    s: (n: string) => read.s(node, n, d),
    i: (n: string) => read.i(node, n, d),
    f: (n: string) => read.f(node, n, d),
    b: (n: string) => read.b(node, n, d),
    type: (n: string) => read.type(node, n, d),
    tfType: (n: string) => requireTfjsDtype(read.type(node, n, d), node.name),
    shape: (n: string) => read.shape(node, n, d),
    listI: (n: string) => read.listI(node, n, d),
    listS: (n: string) => read.listS(node, n, d),
    listType: (n: string) => read.listType(node, n, d),
    has: (n: string) => read.has(node, n, d),
  };
}

/** Input `i` as a tensor, reading a ref variable's value. */
export function T(inputs: Value[], i: number, state: RunState, node: NodeDef): tf.Tensor {
  const v = inputs[i];
  if (v === undefined) throw new GraphError('KERNEL', `${node.op} is missing input ${i}`, { node: node.name });
  if (v instanceof tf.Tensor) return v;
  if (!isRef(v)) {
    const what = v.kind === 'opaque' ? `a ${v.type}` : 'a dead tensor';
    throw new GraphError('KERNEL', `input ${i} of ${node.op} is ${what}`, { node: node.name });
  }
  if (v.kind === 'resource')
    throw new GraphError('KERNEL', `input ${i} of ${node.op} is a resource handle, not a tensor`, { node: node.name });
  return state.vars.read(v, node.name);
}

export function R(inputs: Value[], i: number, node: NodeDef, kind?: 'ref' | 'resource'): VarRef {
  const v = inputs[i];
  if (v === undefined || !isRef(v) || (kind && v.kind !== kind)) {
    throw new GraphError('KERNEL', `input ${i} of ${node.op} must be a ${kind ?? 'variable'} reference`, {
      node: node.name,
    });
  }
  return v;
}

/** The values of a small int tensor (shapes, axes) as numbers. */
export function ints(t: tf.Tensor): number[] {
  return Array.from(t.dataSync() as Int32Array | Float32Array);
}

export function scalarInt(t: tf.Tensor): number {
  return (t.dataSync() as Int32Array)[0]!;
}

export type Tensors = tf.Tensor[];

/** A string tensor's elements as bytes (Tensor.dataSync decodes them to JS strings; checkpoints need the bytes). */
export function stringBytes(t: tf.Tensor): Uint8Array[] {
  const raw = tf.engine().readSync(t.dataId) as unknown as (Uint8Array | string)[];
  return raw.map((b) => (typeof b === 'string' ? new TextEncoder().encode(b) : b));
}

/** Largest tensor a kernel may be asked to make from values it reads (a corrupt graph must not exhaust memory). */
export const MAX_ELEMENTS = 1 << 28;

/** The element count of `shape`, or a KERNEL error naming the node when it is negative or too large. */
export function checkedSize(shape: readonly number[], node: NodeDef): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new GraphError('KERNEL', `invalid dimension ${d} in [${shape}]`, { node: node.name });
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new GraphError('KERNEL', `a tensor of ${n} elements is too large`, { node: node.name });
  return n;
}

/** A conv / pool window's padding in TensorFlow.js's terms: 'same', 'valid', or EXPLICIT's [before, after] per axis. */
export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** The `padding` attr (SAME, VALID, or EXPLICIT with `explicit_paddings`) of a conv / pool node. */
export function padding(n: NodeDef): Pad {
  const a = attrsOf(n);
  const p = a.s('padding');
  if (p === 'SAME' || p === 'VALID') return p === 'SAME' ? 'same' : 'valid';
  if (p === 'EXPLICIT') {
    const e = a.listI('explicit_paddings');
    return [
      [e[0]!, e[1]!],
      [e[2]!, e[3]!],
      [e[4]!, e[5]!],
      [e[6]!, e[7]!],
    ];
  }
  throw new GraphError('BAD_ATTR', `padding ${p} is not supported`, { node: n.name });
}
