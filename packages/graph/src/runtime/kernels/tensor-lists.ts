// TensorList ops (list_kernels.cc): the variant lists control flow v2 uses for loop outputs (TensorArray in a
// StatelessWhile) and for gradient accumulators. A list is a value: every op that changes one returns a new list
// (a new array of the same element tensors), the old one stays as it was. Elements are kept for the run
// (VariableStore.keepForRun) as they cross iterations and function calls; an element never written reads as zeros
// of the element shape, which must then be fully known (from the list, the op's element_shape or another element).
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory, Opaque, RunState, Value } from '../values.js';
import { attrsOf, checkedSize, ints, scalarInt, T, tf } from './common.js';

/** Dims with -1 for unknown; null for an unknown rank. */
export type ElementShape = number[] | null;

export interface TensorList {
  readonly items: (tf.Tensor | null)[];
  readonly elementShape: ElementShape;
  readonly dtype: tf.DataType;
}

export function listValue(data: TensorList): Opaque {
  return { kind: 'opaque', type: 'TensorList', data };
}

function L(i: Value[], k: number, n: NodeDef): TensorList {
  const v = i[k];
  if (v === undefined || v instanceof tf.Tensor || v.kind !== 'opaque' || v.type !== 'TensorList') {
    throw new GraphError('KERNEL', `input ${k} of ${n.op} must be a TensorList`, { node: n.name });
  }
  return v.data as TensorList;
}

/** An element_shape input: a scalar -1 is an unknown rank. */
export function shapeArg(t: tf.Tensor): ElementShape {
  if (t.rank === 0) return null;
  return ints(t);
}

export function mergeShapes(a: ElementShape, b: ElementShape, n: NodeDef): ElementShape {
  if (a === null) return b;
  if (b === null) return a;
  if (a.length !== b.length)
    throw new GraphError('KERNEL', `element shapes [${a}] and [${b}] are incompatible`, { node: n.name });
  return a.map((d, k) => {
    const e = b[k]!;
    if (d >= 0 && e >= 0 && d !== e)
      throw new GraphError('KERNEL', `element shapes [${a}] and [${b}] are incompatible`, { node: n.name });
    return d >= 0 ? d : e;
  });
}

/** The shape of an unwritten element: the list's and the op's, completed from any written element. */
export function fullShape(items: readonly (tf.Tensor | null)[], shape: ElementShape, n: NodeDef): number[] {
  const written = items.find((t) => t !== null);
  const s = written ? mergeShapes(shape, written.shape, n) : shape;
  if (s === null || s.some((d) => d < 0)) {
    throw new GraphError(
      'KERNEL',
      `${n.op}: an element was never written and the element shape ${s === null ? '(unknown rank)' : `[${s}]`} is not fully defined`,
      { node: n.name },
    );
  }
  return s;
}

/** Stacks elements (zeros for unwritten ones) into one tensor of shape [count, ...element]. */
export function stackItems(
  items: readonly (tf.Tensor | null)[],
  shape: ElementShape,
  dtype: tf.DataType,
  n: NodeDef,
): tf.Tensor {
  if (items.length === 0 || items.some((t) => t === null)) {
    const s = fullShape(items, shape, n);
    checkedSize([items.length, ...s], n);
    if (items.length === 0) return tf.zeros([0, ...s], dtype);
    return tf.stack(items.map((t) => t ?? tf.zeros(s, dtype)));
  }
  return tf.stack(items as tf.Tensor[]);
}

export function keepElement(t: tf.Tensor, s: RunState): tf.Tensor {
  return s.vars.keepForRun(tf.clone(t));
}

function index(t: tf.Tensor, size: number, n: NodeDef, allowEnd = false): number {
  const k = scalarInt(t);
  if (k < 0 || k > size || (k === size && !allowEnd)) {
    throw new GraphError('KERNEL', `${n.op}: index ${k} is out of range for a list of ${size} elements`, {
      node: n.name,
    });
  }
  return k;
}

function count(t: tf.Tensor, n: NodeDef): number {
  const k = scalarInt(t);
  if (k < 0) throw new GraphError('KERNEL', `${n.op}: negative size ${k}`, { node: n.name });
  checkedSize([k], n);
  return k;
}

const newList: (reserve: boolean) => KernelFactory = (reserve) => (n) => {
  const dtype = attrsOf(n).tfType('element_dtype');
  return (i, s) => {
    const shape = shapeArg(T(i, 0, s, n));
    const size = reserve ? count(T(i, 1, s, n), n) : 0;
    return [listValue({ items: new Array<tf.Tensor | null>(size).fill(null), elementShape: shape, dtype })];
  };
};

/** ZerosLike of a TensorList (a While gradient's initial accumulator): zeros for each written element. */
export function withListZerosLike(base: KernelFactory): KernelFactory {
  return (n, ctx) => {
    const dense = base(n, ctx);
    return (i, s) => {
      const v = i[0];
      if (v === undefined || v instanceof tf.Tensor || v.kind !== 'opaque') return dense(i, s);
      const l = L(i, 0, n);
      const items = l.items.map((t) => (t ? s.vars.keepForRun(tf.zerosLike(t)) : null));
      return [listValue({ ...l, items })];
    };
  };
}

/** AddN of TensorLists (gradients of a list used twice): element-wise sums, an unwritten element counting as zero. */
export function withListAddN(base: KernelFactory): KernelFactory {
  return (n, ctx) => {
    const dense = base(n, ctx);
    return (i, s) => {
      const v = i[0];
      if (v === undefined || v instanceof tf.Tensor || v.kind !== 'opaque') return dense(i, s);
      const lists = i.map((_, k) => L(i, k, n));
      const first = lists[0]!;
      if (lists.some((l) => l.items.length !== first.items.length)) {
        throw new GraphError('KERNEL', 'AddN: TensorLists of different lengths', { node: n.name });
      }
      const items = first.items.map((_, k) => {
        const parts = lists.map((l) => l.items[k]).filter((t): t is tf.Tensor => t !== null && t !== undefined);
        if (parts.length === 0) return null;
        return s.vars.keepForRun(parts.length === 1 ? tf.clone(parts[0]!) : tf.addN(parts));
      });
      return [listValue({ ...first, items })];
    };
  };
}

export const tensorListKernels: Record<string, KernelFactory> = {
  EmptyTensorList: newList(false),
  TensorListReserve: newList(true),
  TensorListFromTensor: (n) => (i, s) => {
    const t = T(i, 0, s, n);
    if (t.rank === 0)
      throw new GraphError('KERNEL', 'TensorListFromTensor needs a tensor of rank 1 or more', { node: n.name });
    const shape = mergeShapes(shapeArg(T(i, 1, s, n)), t.shape.slice(1), n);
    const items = tf.unstack(t).map((e) => s.vars.keepForRun(e));
    return [listValue({ items, elementShape: shape, dtype: t.dtype })];
  },
  TensorListGetItem: (n) => (i, s) => {
    const l = L(i, 0, n);
    const k = index(T(i, 1, s, n), l.items.length, n);
    const item = l.items[k];
    if (item) return [item];
    const shape = mergeShapes(l.elementShape, shapeArg(T(i, 2, s, n)), n);
    return [tf.zeros(fullShape(l.items, shape, n), l.dtype)];
  },
  TensorListSetItem: (n) => {
    const a = attrsOf(n);
    const resize = a.has('resize_if_index_out_of_bounds') && a.b('resize_if_index_out_of_bounds');
    return (i, s) => {
      const l = L(i, 0, n);
      const raw = scalarInt(T(i, 1, s, n));
      const items = l.items.slice();
      if (resize && raw >= items.length) {
        checkedSize([raw + 1], n);
        while (items.length <= raw) items.push(null);
      }
      const k = index(T(i, 1, s, n), items.length, n);
      items[k] = keepElement(T(i, 2, s, n), s);
      return [listValue({ ...l, items })];
    };
  },
  TensorListStack: (n) => {
    const want = attrsOf(n).i('num_elements');
    return (i, s) => {
      const l = L(i, 0, n);
      if (want >= 0 && want !== l.items.length) {
        throw new GraphError('KERNEL', `TensorListStack: the list has ${l.items.length} elements, not ${want}`, {
          node: n.name,
        });
      }
      return [stackItems(l.items, mergeShapes(l.elementShape, shapeArg(T(i, 1, s, n)), n), l.dtype, n)];
    };
  },
  TensorListGather: (n) => (i, s) => {
    const l = L(i, 0, n);
    const picks = ints(T(i, 1, s, n)).map((k) => {
      if (k < 0 || k >= l.items.length)
        throw new GraphError('KERNEL', `TensorListGather: index ${k} is out of range`, { node: n.name });
      return l.items[k]!;
    });
    return [stackItems(picks, mergeShapes(l.elementShape, shapeArg(T(i, 2, s, n)), n), l.dtype, n)];
  },
  TensorListScatterIntoExistingList: (n) => (i, s) => {
    const l = L(i, 0, n);
    const t = T(i, 1, s, n);
    const at = ints(T(i, 2, s, n));
    const items = l.items.slice();
    const parts = tf.unstack(t);
    for (const [j, k] of at.entries()) {
      if (k < 0) throw new GraphError('KERNEL', `TensorListScatter: negative index ${k}`, { node: n.name });
      checkedSize([k + 1], n);
      while (items.length <= k) items.push(null);
      items[k] = s.vars.keepForRun(parts[j]!);
    }
    return [listValue({ ...l, items })];
  },
  TensorListPushBack: (n) => (i, s) => {
    const l = L(i, 0, n);
    return [listValue({ ...l, items: [...l.items, keepElement(T(i, 1, s, n), s)] })];
  },
  TensorListPopBack: (n) => (i, s) => {
    const l = L(i, 0, n);
    if (l.items.length === 0) throw new GraphError('KERNEL', 'Trying to pop from an empty list.', { node: n.name });
    const items = l.items.slice(0, -1);
    const last = l.items[l.items.length - 1]!;
    const shape = mergeShapes(l.elementShape, shapeArg(T(i, 1, s, n)), n);
    return [listValue({ ...l, items }), last ?? tf.zeros(fullShape(l.items, shape, n), l.dtype)];
  },
  TensorListLength: (n) => (i) => [tf.scalar(L(i, 0, n).items.length, 'int32')],
  TensorListElementShape: (n) => (i) => {
    const shape = L(i, 0, n).elementShape;
    return [shape === null ? tf.scalar(-1, 'int32') : tf.tensor1d(shape, 'int32')];
  },
  TensorListResize: (n) => (i, s) => {
    const l = L(i, 0, n);
    const size = count(T(i, 1, s, n), n);
    const items = l.items.slice(0, size);
    while (items.length < size) items.push(null);
    return [listValue({ ...l, items })];
  },
};
