// Ops beyond the first set that tf.compat.v1 inference graphs often hold: more activations and element-wise math,
// gathering and splitting, resizing, LRN, padding modes.
import { GraphError } from '../../errors.js';
import type { KernelFactory } from '../values.js';
import { broadcastTo } from './broadcast-to.js';
import { attrsOf, checkedSize, ints, T, tf } from './common.js';

const unary =
  (fn: (x: tf.Tensor) => tf.Tensor): KernelFactory =>
  (n) =>
  (i, s) => [fn(T(i, 0, s, n))];

const scalar = (t: tf.Tensor) => t.dataSync()[0] as number;

/** Cumsum / Cumprod(x, axis) with the exclusive and reverse attrs. */
const cumulative =
  (fn: typeof tf.cumsum): KernelFactory =>
  (n) => {
    const a = attrsOf(n);
    const exclusive = a.b('exclusive');
    const reverse = a.b('reverse');
    return (i, s) => {
      const x = T(i, 0, s, n);
      const axis = ints(T(i, 1, s, n))[0] ?? 0;
      return [fn(x, axis < 0 ? axis + x.rank : axis, exclusive, reverse)];
    };
  };

export const extraKernels: Record<string, KernelFactory> = {
  Softplus: unary(tf.softplus),
  Elu: unary(tf.elu),
  Selu: unary(tf.selu),
  LeakyRelu: (n) => {
    const alpha = attrsOf(n).f('alpha');
    return (i, s) => [tf.leakyRelu(T(i, 0, s, n), alpha)];
  },
  SquaredDifference: (n) => (i, s) => [tf.squaredDifference(T(i, 0, s, n), T(i, 1, s, n))],
  Reciprocal: unary(tf.reciprocal),
  Sign: unary(tf.sign),
  // TensorFlow and TensorFlow.js both round half to even
  Round: unary(tf.round),
  Ceil: unary(tf.ceil),
  Erf: unary(tf.erf),
  Sin: unary(tf.sin),
  Cos: unary(tf.cos),
  Log1p: unary(tf.log1p),
  Expm1: unary(tf.expm1),
  ClipByValue: (n) => (i, s) => {
    const lo = T(i, 1, s, n);
    const hi = T(i, 2, s, n);
    if (lo.size === 1 && hi.size === 1) return [tf.clipByValue(T(i, 0, s, n), scalar(lo), scalar(hi))];
    return [tf.minimum(tf.maximum(T(i, 0, s, n), lo), hi)];
  },
  // tf.debugging.check_numerics: the input unchanged, or InvalidArgument naming NaN / Inf as TensorFlow words it
  CheckNumerics: (n) => {
    const message = attrsOf(n).has('message') ? attrsOf(n).s('message') : '';
    return (i, s) => {
      const x = T(i, 0, s, n);
      const v = x.dataSync() as Float32Array;
      let nan = false;
      let inf = false;
      for (let k = 0; k < v.length; k++) {
        if (Number.isNaN(v[k])) nan = true;
        else if (!Number.isFinite(v[k]!)) inf = true;
      }
      if (nan || inf) {
        const what = nan && inf ? 'Inf and NaN' : nan ? 'NaN' : 'Inf';
        throw new GraphError('KERNEL', `${message} : Tensor had ${what} values`, { node: n.name });
      }
      return [x.clone()];
    };
  },
  GatherV2: (n) => {
    const batchDims = attrsOf(n).i('batch_dims');
    return (i, s) => {
      const x = T(i, 0, s, n);
      const axis = ints(T(i, 2, s, n))[0]!;
      return [tf.gather(x, tf.cast(T(i, 1, s, n), 'int32'), axis < 0 ? axis + x.rank : axis, batchDims)];
    };
  },
  OneHot: (n) => {
    const axis = attrsOf(n).i('axis');
    return (i, s) => {
      if (axis !== -1)
        throw new GraphError('KERNEL', 'OneHot with an axis other than -1 is not supported', { node: n.name });
      const on = T(i, 2, s, n);
      const off = T(i, 3, s, n);
      const depth = ints(T(i, 1, s, n))[0]!;
      const indices = T(i, 0, s, n);
      checkedSize([...indices.shape, depth], n);
      // 0/1 in int32 then scaled: the wasm backend's OneHot gets float on/off values wrong
      const hot = tf.cast(tf.oneHot(tf.cast(T(i, 0, s, n), 'int32') as tf.Tensor1D, depth, 1, 0, 'int32'), on.dtype);
      return [tf.add(tf.mul(hot, tf.sub(on, off)), off)];
    };
  },
  Split: (n) => {
    const num = attrsOf(n).i('num_split');
    return (i, s) => {
      const x = T(i, 1, s, n);
      const axis = ints(T(i, 0, s, n))[0]!;
      return tf.split(x, num, axis < 0 ? axis + x.rank : axis);
    };
  },
  SplitV: (n) => (i, s) => {
    const x = T(i, 0, s, n);
    const axis = ints(T(i, 2, s, n))[0]!;
    return tf.split(x, ints(T(i, 1, s, n)), axis < 0 ? axis + x.rank : axis);
  },
  Cumsum: cumulative(tf.cumsum),
  // Prod's gradient
  Cumprod: cumulative(tf.cumprod),
  TopKV2: (n) => {
    const sorted = attrsOf(n).b('sorted');
    return (i, s) => {
      const r = tf.topk(T(i, 0, s, n), ints(T(i, 1, s, n))[0]!, sorted);
      return [r.values, r.indices];
    };
  },
  ResizeBilinear: (n) => {
    const a = attrsOf(n);
    const align = a.b('align_corners');
    const half = a.b('half_pixel_centers');
    return (i, s) => {
      const [h, w] = ints(T(i, 1, s, n));
      return [tf.image.resizeBilinear(T(i, 0, s, n) as tf.Tensor4D, [h!, w!], align, half)];
    };
  },
  ResizeNearestNeighbor: (n) => {
    const a = attrsOf(n);
    const align = a.b('align_corners');
    const half = a.b('half_pixel_centers');
    return (i, s) => {
      const [h, w] = ints(T(i, 1, s, n));
      return [tf.image.resizeNearestNeighbor(T(i, 0, s, n) as tf.Tensor4D, [h!, w!], align, half)];
    };
  },
  LRN: (n) => {
    const a = attrsOf(n);
    const [r, bias, alpha, beta] = [a.i('depth_radius'), a.f('bias'), a.f('alpha'), a.f('beta')];
    return (i, s) => [tf.localResponseNormalization(T(i, 0, s, n) as tf.Tensor4D, r, bias, alpha, beta)];
  },
  All: (n) => {
    const keep = attrsOf(n).b('keep_dims');
    return (i, s) => [tf.all(T(i, 0, s, n), ints(T(i, 1, s, n)), keep)];
  },
  Any: (n) => {
    const keep = attrsOf(n).b('keep_dims');
    return (i, s) => [tf.any(T(i, 0, s, n), ints(T(i, 1, s, n)), keep)];
  },
  MirrorPad: (n) => {
    const mode = attrsOf(n).s('mode');
    return (i, s) => [
      tf.mirrorPad(T(i, 0, s, n), pairs(ints(T(i, 1, s, n))), mode === 'REFLECT' ? 'reflect' : 'symmetric'),
    ];
  },
  PadV2: (n) => (i, s) => [tf.pad(T(i, 0, s, n), pairs(ints(T(i, 1, s, n))), scalar(T(i, 2, s, n)))],
  ReverseV2: (n) => (i, s) => [tf.reverse(T(i, 0, s, n), ints(T(i, 1, s, n)))],
  BroadcastTo: broadcastTo,
};

function pairs(p: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < p.length; k += 2) out.push([p[k]!, p[k + 1]!]);
  return out;
}
