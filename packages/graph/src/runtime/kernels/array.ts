// Shapes and layout: Reshape, Shape, Squeeze, Concat, Pack, slicing, padding, tiling, Fill, Range, Select.
import { GraphError } from '../../errors.js';
import { tensorFromProto } from '../tensor-proto.js';
import type { KernelFactory } from '../values.js';
import { attrsOf, checkedSize, ints, read, scalarInt, stringBytes, T, tf } from './common.js';

function shapeOut(dims: number[], dtype: string): tf.Tensor {
  return tf.tensor1d(dims, dtype === 'int32' ? 'int32' : 'float32');
}

export const arrayKernels: Record<string, KernelFactory> = {
  Const: (n, ctx) => {
    // made once per session and kept: the executor never disposes it
    const value = ctx.keep(tensorFromProto(read.tensor(n, 'value'), n.name));
    return () => [value];
  },
  Reshape: (n) => (i, s) => [tf.reshape(T(i, 0, s, n), ints(T(i, 1, s, n)))],
  Shape: (n) => {
    const out = attrsOf(n).tfType('out_type');
    return (i, s) => [shapeOut(T(i, 0, s, n).shape, out)];
  },
  ShapeN: (n) => {
    const out = attrsOf(n).tfType('out_type');
    return (i, s) => i.map((_, k) => shapeOut(T(i, k, s, n).shape, out));
  },
  Size: (n) => (i, s) => [tf.scalar(T(i, 0, s, n).size, 'int32')],
  Rank: (n) => (i, s) => [tf.scalar(T(i, 0, s, n).rank, 'int32')],
  Squeeze: (n) => {
    const dims = attrsOf(n).listI('squeeze_dims');
    return (i, s) => {
      const x = T(i, 0, s, n);
      const axes = dims.map((d) => (d < 0 ? d + x.rank : d));
      for (const a of axes) {
        if (x.shape[a] !== 1)
          throw new GraphError('KERNEL', `cannot squeeze dim ${a} of size ${x.shape[a]}`, { node: n.name });
      }
      return [tf.squeeze(x, axes.length ? axes : undefined)];
    };
  },
  ExpandDims: (n) => (i, s) => [tf.expandDims(T(i, 0, s, n), scalarInt(T(i, 1, s, n)))],
  Fill: (n) => (i, s) => {
    const v = T(i, 1, s, n);
    const value = v.dataSync()[0] as number;
    const shape = ints(T(i, 0, s, n));
    checkedSize(shape, n);
    return [tf.fill(shape, value, v.dtype)];
  },
  ZerosLike: (n) => (i, s) => [tf.zerosLike(T(i, 0, s, n))],
  OnesLike: (n) => (i, s) => [tf.onesLike(T(i, 0, s, n))],
  Transpose: (n) => (i, s) => [tf.transpose(T(i, 0, s, n), ints(T(i, 1, s, n)))],
  ConcatV2: (n) => (i, s) => {
    const axis = scalarInt(T(i, i.length - 1, s, n));
    const xs = i.slice(0, -1).map((_, k) => T(i, k, s, n));
    return [xs.length === 1 ? xs[0]! : tf.concat(xs, axis < 0 ? axis + xs[0]!.rank : axis)];
  },
  Pack: (n) => {
    const axis = attrsOf(n).i('axis');
    return (i, s) => [
      tf.stack(
        i.map((_, k) => T(i, k, s, n)),
        axis < 0 ? axis + (T(i, 0, s, n).rank + 1) : axis,
      ),
    ];
  },
  Unpack: (n) => {
    const axis = attrsOf(n).i('axis');
    return (i, s) => {
      const x = T(i, 0, s, n);
      return tf.unstack(x, axis < 0 ? axis + x.rank : axis);
    };
  },
  StridedSlice: (n) => {
    const a = attrsOf(n);
    const [bm, em, el, na, sh] = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map(
      (k) => a.i(k),
    );
    return (i, s) => [
      tf.stridedSlice(T(i, 0, s, n), ints(T(i, 1, s, n)), ints(T(i, 2, s, n)), ints(T(i, 3, s, n)), bm, em, el, na, sh),
    ];
  },
  Slice: (n) => (i, s) => [tf.slice(T(i, 0, s, n), ints(T(i, 1, s, n)), ints(T(i, 2, s, n)))],
  Pad: (n) => (i, s) => {
    const x = T(i, 0, s, n);
    const p = ints(T(i, 1, s, n));
    const pairs: [number, number][] = [];
    for (let k = 0; k < p.length; k += 2) pairs.push([p[k]!, p[k + 1]!]);
    checkedSize(
      x.shape.map((d, k) => d + (pairs[k]?.[0] ?? 0) + (pairs[k]?.[1] ?? 0)),
      n,
    );
    return [tf.pad(x, pairs)];
  },
  Tile: (n) => (i, s) => {
    const x = T(i, 0, s, n);
    const reps = ints(T(i, 1, s, n));
    checkedSize(
      x.shape.map((d, k) => d * (reps[k] ?? 1)),
      n,
    );
    return [tf.tile(x, reps)];
  },
  Range: (n) => {
    const dtype = attrsOf(n).tfType('Tidx');
    return (i, s) => {
      const [start, limit, delta] = [0, 1, 2].map((k) => T(i, k, s, n).dataSync()[0] as number);
      if (!delta) throw new GraphError('KERNEL', 'Range needs a non-zero delta', { node: n.name });
      checkedSize([Math.max(0, Math.ceil((limit! - start!) / delta))], n);
      return [tf.range(start!, limit!, delta!, dtype === 'int32' ? 'int32' : 'float32')];
    };
  },
  Select: (n) => (i, s) => {
    let c = T(i, 0, s, n);
    const a = T(i, 1, s, n);
    if (a.dtype === 'string') return [selectStrings(c, a, T(i, 2, s, n), n.name)];
    // v1 Select: a vector condition picks rows
    if (c.rank === 1 && a.rank > 1) c = tf.reshape(c, [c.shape[0]!, ...new Array<number>(a.rank - 1).fill(1)]);
    return [tf.where(c, a, T(i, 2, s, n))];
  },
  SelectV2: (n) => (i, s) => {
    const a = T(i, 1, s, n);
    if (a.dtype === 'string') return [selectStrings(T(i, 0, s, n), a, T(i, 2, s, n), n.name)];
    return [tf.where(T(i, 0, s, n), a, T(i, 2, s, n))];
  },
};

/** Select on strings (tfjs's where is numeric only): same shapes, or a scalar condition/branch. */
function selectStrings(c: tf.Tensor, a: tf.Tensor, b: tf.Tensor, node: string): tf.Tensor {
  const shape = [c, a, b].reduce((best, t) => (t.rank > best.length ? t.shape : best), [] as number[]);
  const n = shape.reduce((x, y) => x * y, 1);
  for (const t of [c, a, b]) {
    if (t.size !== 1 && t.size !== n)
      throw new GraphError('KERNEL', 'Select on strings needs equal shapes or scalars', { node });
  }
  const cv = c.dataSync();
  const av = stringBytes(a);
  const bv = stringBytes(b);
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++)
    out.push(cv[cv.length === 1 ? 0 : k] ? av[av.length === 1 ? 0 : k]! : bv[bv.length === 1 ? 0 : k]!);
  return tf.tensor(out, shape, 'string');
}
