// TensorArrayV3 and its ops (tensor_array_ops.cc), as control flow v1 graphs use them (dynamic_rnn's inputs and
// outputs, tf.TensorArray in a v1 while loop, and their gradients), and the stacks (StackV2 / StackPushV2 /
// StackPopV2) v1 gradient loops keep forward values in. Both are mutable objects created per run by their op; the
// "flow" scalar only orders the ops. Gradient TensorArrays (TensorArrayGradV3, one per source) add repeated writes
// to one index, as TensorFlow's multiple_writes_aggregate does. Elements are kept for the run.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory, Opaque, Value } from '../values.js';
import { attrsOf, checkedSize, ints, scalarInt, T, tf } from './common.js';
import { type ElementShape, fullShape, keepElement, mergeShapes, stackItems } from './tensor-lists.js';

interface TensorArray {
  items: (tf.Tensor | null)[];
  dtype: tf.DataType;
  elementShape: ElementShape;
  dynamic: boolean;
  aggregate: boolean;
  grads: Map<string, Opaque>;
  closed: boolean;
}

function arrayValue(data: TensorArray): Opaque {
  return { kind: 'opaque', type: 'TensorArray', data };
}

function A(i: Value[], n: NodeDef): TensorArray {
  const v = i[0];
  if (v === undefined || v instanceof tf.Tensor || v.kind !== 'opaque' || v.type !== 'TensorArray') {
    throw new GraphError('KERNEL', `input 0 of ${n.op} must be a TensorArray handle`, { node: n.name });
  }
  const ta = v.data as TensorArray;
  if (ta.closed) throw new GraphError('KERNEL', `${n.op}: the TensorArray has already been closed`, { node: n.name });
  return ta;
}

/** The `element_shape` attr: unknown rank when absent or unknown. */
function shapeAttr(n: NodeDef, name: string): ElementShape {
  const a = attrsOf(n);
  const s = a.has(name) ? a.shape(name) : null;
  return s === null ? null : [...s];
}

const flow = () => tf.scalar(0);

function write(ta: TensorArray, k: number, value: tf.Tensor, n: NodeDef, s: Parameters<typeof keepElement>[1]): void {
  if (k < 0) throw new GraphError('KERNEL', `${n.op}: index ${k} is negative`, { node: n.name });
  if (k >= ta.items.length) {
    if (!ta.dynamic) {
      throw new GraphError(
        'KERNEL',
        `${n.op}: index ${k} is out of range for a TensorArray of size ${ta.items.length}`,
        {
          node: n.name,
        },
      );
    }
    checkedSize([k + 1], n);
    while (ta.items.length <= k) ta.items.push(null);
  }
  if (ta.elementShape !== null) mergeShapes(ta.elementShape, value.shape, n);
  const old = ta.items[k];
  if (old && !ta.aggregate) {
    throw new GraphError(
      'KERNEL',
      `${n.op}: Could not write to TensorArray index ${k} because it has already been written to.`,
      { node: n.name },
    );
  }
  ta.items[k] = keepElement(old ? tf.add(old, value) : value, s);
}

function read(ta: TensorArray, k: number, n: NodeDef, shape: ElementShape): tf.Tensor {
  if (k < 0 || k >= ta.items.length) {
    throw new GraphError('KERNEL', `${n.op}: index ${k} is out of range for a TensorArray of size ${ta.items.length}`, {
      node: n.name,
    });
  }
  return ta.items[k] ?? tf.zeros(fullShape(ta.items, mergeShapes(ta.elementShape, shape, n), n), ta.dtype);
}

interface Stack {
  items: tf.Tensor[];
  max: number;
}

function S(i: Value[], n: NodeDef): Stack {
  const v = i[0];
  if (v === undefined || v instanceof tf.Tensor || v.kind !== 'opaque' || v.type !== 'Stack') {
    throw new GraphError('KERNEL', `input 0 of ${n.op} must be a stack handle`, { node: n.name });
  }
  return v.data as Stack;
}

export const tensorArrayKernels: Record<string, KernelFactory> = {
  TensorArrayV3: (n) => {
    const a = attrsOf(n);
    const dtype = a.tfType('dtype');
    const elementShape = shapeAttr(n, 'element_shape');
    const dynamic = a.b('dynamic_size');
    return (i, s) => {
      const size = scalarInt(T(i, 0, s, n));
      if (size < 0) throw new GraphError('KERNEL', `TensorArray size ${size} is negative`, { node: n.name });
      checkedSize([size], n);
      const ta: TensorArray = {
        items: new Array<tf.Tensor | null>(size).fill(null),
        dtype,
        elementShape,
        dynamic,
        aggregate: false,
        grads: new Map(),
        closed: false,
      };
      return [arrayValue(ta), flow()];
    };
  },
  TensorArrayGradV3: (n) => {
    const source = attrsOf(n).s('source');
    return (i) => {
      const ta = A(i, n);
      let g = ta.grads.get(source);
      if (!g) {
        g = arrayValue({
          items: new Array<tf.Tensor | null>(ta.items.length).fill(null),
          dtype: ta.dtype,
          elementShape: ta.elementShape,
          dynamic: ta.dynamic,
          aggregate: true,
          grads: new Map(),
          closed: false,
        });
        ta.grads.set(source, g);
      }
      return [g, flow()];
    };
  },
  TensorArrayWriteV3: (n) => (i, s) => {
    write(A(i, n), scalarInt(T(i, 1, s, n)), T(i, 2, s, n), n, s);
    return [flow()];
  },
  TensorArrayReadV3: (n) => (i, s) => [read(A(i, n), scalarInt(T(i, 1, s, n)), n, null)],
  TensorArrayGatherV3: (n) => {
    const shape = shapeAttr(n, 'element_shape');
    return (i, s) => {
      const ta = A(i, n);
      const picks = ints(T(i, 1, s, n)).map((k) => read(ta, k, n, shape));
      return [stackItems(picks, mergeShapes(ta.elementShape, shape, n), ta.dtype, n)];
    };
  },
  TensorArrayScatterV3: (n) => (i, s) => {
    const ta = A(i, n);
    const at = ints(T(i, 1, s, n));
    const value = T(i, 2, s, n);
    if (value.rank === 0 || value.shape[0] !== at.length) {
      throw new GraphError(
        'KERNEL',
        `TensorArrayScatterV3: ${at.length} indices for a value of shape [${value.shape}]`,
        {
          node: n.name,
        },
      );
    }
    const parts = tf.unstack(value);
    for (const [j, k] of at.entries()) write(ta, k, parts[j]!, n, s);
    return [flow()];
  },
  TensorArrayConcatV3: (n) => (i) => {
    const ta = A(i, n);
    const items = ta.items.map((t, k) => {
      if (!t) throw new GraphError('KERNEL', `TensorArrayConcatV3: index ${k} was never written`, { node: n.name });
      return t;
    });
    const lengths = tf.tensor1d(
      items.map((t) => t.shape[0] ?? 0),
      'int32',
    );
    if (items.length === 0) return [tf.zeros([0], ta.dtype), lengths];
    return [tf.concat(items, 0), lengths];
  },
  TensorArraySplitV3: (n) => (i, s) => {
    const ta = A(i, n);
    const value = T(i, 1, s, n);
    const lengths = ints(T(i, 2, s, n));
    if (lengths.reduce((x, y) => x + y, 0) !== (value.shape[0] ?? 0)) {
      throw new GraphError('KERNEL', `TensorArraySplitV3: lengths [${lengths}] do not sum to ${value.shape[0]}`, {
        node: n.name,
      });
    }
    const parts = tf.split(value, lengths, 0);
    for (const [k, p] of parts.entries()) write(ta, k, p, n, s);
    return [flow()];
  },
  TensorArraySizeV3: (n) => (i) => [tf.scalar(A(i, n).items.length, 'int32')],
  TensorArrayCloseV3: (n) => (i) => {
    const ta = A(i, n);
    ta.closed = true;
    ta.items = [];
    return [];
  },
  StackV2: (n) => (i, s) => {
    const max = scalarInt(T(i, 0, s, n));
    const stack: Stack = { items: [], max: max < 0 ? Number.POSITIVE_INFINITY : max };
    return [{ kind: 'opaque', type: 'Stack', data: stack }];
  },
  StackPushV2: (n) => (i, s) => {
    const stack = S(i, n);
    if (stack.items.length >= stack.max)
      throw new GraphError('KERNEL', `StackPushV2: the stack is full (max size ${stack.max})`, { node: n.name });
    const t = T(i, 1, s, n);
    stack.items.push(keepElement(t, s));
    return [t];
  },
  StackPopV2: (n) => (i) => {
    const t = S(i, n).items.pop();
    if (!t) throw new GraphError('KERNEL', 'StackPopV2: the stack is empty', { node: n.name });
    return [t];
  },
  StackCloseV2: (n) => (i) => {
    S(i, n).items = [];
    return [];
  },
};
