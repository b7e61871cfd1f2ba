// Backprop kernels for the gradient graphs of LRN, the resizes, MirrorPad, FusedBatchNorm(V3), Prod (ListDiff; its
// Cumprod sits with Cumsum in extra.ts) and TopKV2 (ScatterNd), following
// TensorFlow's CPU kernels: resize_bilinear_op.cc (ResizeGradCore with its half-pixel / legacy scalers),
// resize_nearest_neighbor_op.cc (ResizeNearestNeighborGrad), mirror_pad_op.h (MirrorPadGrad folds the padding back),
// fused_batch_norm_op.cc (the training and the frozen-statistics formulas). The resizes and MirrorPad accumulate in
// plain loops over the gradient (each gradient element lands on one to four input elements).
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory } from '../values.js';
import { attrsOf, checkedSize, ints, T, tf } from './common.js';

/** image_resizer_state.h CalculateResizeScale: in / out, or (in - 1) / (out - 1) when aligning corners. */
function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

function rank4(t: tf.Tensor, what: string, n: NodeDef): [number, number, number, number] {
  if (t.rank !== 4)
    throw new GraphError('KERNEL', `${n.op}: ${what} must be 4-D, got shape [${t.shape}]`, { node: n.name });
  return t.shape as [number, number, number, number];
}

/** ResizeBilinearGrad(grads [b, h, w, c], original_image [b, H, W, c]) -> [b, H, W, c]. */
const resizeBilinearGrad: KernelFactory = (n) => {
  const a = attrsOf(n);
  const align = a.b('align_corners');
  const half = a.b('half_pixel_centers');
  return (i, s) => {
    const grads = T(i, 0, s, n);
    const image = T(i, 1, s, n);
    const [b, h, w, c] = rank4(grads, 'grads', n);
    const [b2, H, W, c2] = rank4(image, 'original_image', n);
    if (b !== b2 || c !== c2)
      throw new GraphError('KERNEL', `ResizeBilinearGrad: grads [${grads.shape}] and image [${image.shape}] differ`, {
        node: n.name,
      });
    const hs = resizeScale(H, h, align);
    const ws = resizeScale(W, w, align);
    const dy = grads.dataSync() as Float32Array;
    const out = new Float32Array(checkedSize([b, H, W, c], n));
    const scale = (x: number, sc: number) => (half ? (x + 0.5) * sc - 0.5 : x * sc);
    for (let bi = 0; bi < b; bi++)
      for (let y = 0; y < h; y++) {
        const iy = scale(y, hs);
        const top = Math.max(Math.floor(iy), 0);
        const bottom = Math.min(Math.ceil(iy), H - 1);
        const yl = iy - Math.floor(iy);
        for (let x = 0; x < w; x++) {
          const ix = scale(x, ws);
          const left = Math.max(Math.floor(ix), 0);
          const right = Math.min(Math.ceil(ix), W - 1);
          const xl = ix - Math.floor(ix);
          const src = ((bi * h + y) * w + x) * c;
          const tl = ((bi * H + top) * W + left) * c;
          const tr = ((bi * H + top) * W + right) * c;
          const bl = ((bi * H + bottom) * W + left) * c;
          const br = ((bi * H + bottom) * W + right) * c;
          for (let k = 0; k < c; k++) {
            const g = dy[src + k]!;
            out[tl + k]! += g * (1 - yl) * (1 - xl);
            out[tr + k]! += g * (1 - yl) * xl;
            out[bl + k]! += g * yl * (1 - xl);
            out[br + k]! += g * yl * xl;
          }
        }
      }
    return [tf.tensor4d(out, [b, H, W, c])];
  };
};

/** ResizeNearestNeighborGrad(grads [b, h, w, c], size [H, W]) -> [b, H, W, c]. */
const resizeNearestNeighborGrad: KernelFactory = (n) => {
  const a = attrsOf(n);
  const align = a.b('align_corners');
  const half = a.b('half_pixel_centers');
  return (i, s) => {
    const grads = T(i, 0, s, n);
    const [b, h, w, c] = rank4(grads, 'grads', n);
    const size = ints(T(i, 1, s, n));
    if (size.length !== 2 || size.some((v) => !(v > 0)))
      throw new GraphError('KERNEL', `ResizeNearestNeighborGrad: size must be two positive numbers, got [${size}]`, {
        node: n.name,
      });
    const [H, W] = size as [number, number];
    // here the gradient is the input and the original image the output: scales run the other way
    const hs = resizeScale(H, h, align);
    const ws = resizeScale(W, w, align);
    const pick = (x: number, sc: number, limit: number) => {
      const f = half ? (x + 0.5) * sc : x * sc;
      return Math.min(align ? Math.round(f) : Math.floor(f), limit - 1);
    };
    const dy = grads.dataSync() as Float32Array;
    const out = new Float32Array(checkedSize([b, H, W, c], n));
    for (let bi = 0; bi < b; bi++)
      for (let y = 0; y < h; y++) {
        const oy = pick(y, hs, H);
        for (let x = 0; x < w; x++) {
          const ox = pick(x, ws, W);
          const src = ((bi * h + y) * w + x) * c;
          const dst = ((bi * H + oy) * W + ox) * c;
          for (let k = 0; k < c; k++) out[dst + k]! += dy[src + k]!;
        }
      }
    return [tf.tensor4d(out, [b, H, W, c])];
  };
};

/** MirrorPadGrad(grad, paddings [rank, 2]) -> the gradient with every padded element added back onto its source. */
const mirrorPadGrad: KernelFactory = (n) => {
  const reflect = attrsOf(n).s('mode') === 'REFLECT';
  return (i, s) => {
    const g = T(i, 0, s, n);
    const p = ints(T(i, 1, s, n));
    const r = g.rank;
    if (p.length !== 2 * r)
      throw new GraphError('KERNEL', `MirrorPadGrad: paddings must be [${r}, 2], got ${p.length} values`, {
        node: n.name,
      });
    const inShape = g.shape;
    const outShape = inShape.map((d, k) => d - p[2 * k]! - p[2 * k + 1]!);
    if (outShape.some((d, k) => d < 1 || p[2 * k]! < 0 || p[2 * k + 1]! < 0 || p[2 * k]! > d || p[2 * k + 1]! > d))
      throw new GraphError('KERNEL', `MirrorPadGrad: paddings [${p}] do not fit shape [${inShape}]`, { node: n.name });
    // per axis: padded position -> source position
    const maps = inShape.map((d, k) => {
      const before = p[2 * k]!;
      const size = outShape[k]!;
      const m = new Int32Array(d);
      for (let q = 0; q < d; q++) {
        const t = q - before;
        m[q] = t < 0 ? (reflect ? -t : -t - 1) : t >= size ? (reflect ? 2 * (size - 1) - t : 2 * size - 1 - t) : t;
      }
      return m;
    });
    const dy = g.dataSync() as Float32Array;
    const out = new Float32Array(checkedSize(outShape, n));
    const idx = new Array<number>(r).fill(0);
    const strides = outShape.map((_, k) => outShape.slice(k + 1).reduce((x, y) => x * y, 1));
    for (let flat = 0; flat < dy.length; flat++) {
      let dst = 0;
      for (let k = 0; k < r; k++) dst += maps[k]![idx[k]!]! * strides[k]!;
      out[dst]! += dy[flat]!;
      for (let k = r - 1; k >= 0; k--) {
        idx[k]!++;
        if (idx[k]! < inShape[k]!) break;
        idx[k] = 0;
      }
    }
    return [tf.tensor(out, outShape, 'float32')];
  };
};

export const gradExtraKernels: Record<string, KernelFactory> = {
  /** ListDiff(x, y): the values of x not in y, in order, and their positions in x. */
  ListDiff: (n) => (i, s) => {
    const x = ints(T(i, 0, s, n));
    const drop = new Set(ints(T(i, 1, s, n)));
    const out: number[] = [];
    const idx: number[] = [];
    x.forEach((v, k) => {
      if (!drop.has(v)) {
        out.push(v);
        idx.push(k);
      }
    });
    return [tf.tensor1d(out, 'int32'), tf.tensor1d(idx, 'int32')];
  },
  /** ScatterNd(indices, updates, shape): zeros of `shape` with the updates added at the indices. */
  ScatterNd: (n) => (i, s) => {
    const shape = ints(T(i, 2, s, n));
    checkedSize(shape, n);
    return [tf.scatterND(T(i, 0, s, n), T(i, 1, s, n), shape)];
  },
  LRNGrad: (n) => {
    const a = attrsOf(n);
    const attrs = { depthRadius: a.i('depth_radius'), bias: a.f('bias'), alpha: a.f('alpha'), beta: a.f('beta') };
    // (grads, input_image, output_image): TensorFlow.js's LRNGrad kernel, which follows TensorFlow's formula
    return (i, s) => [
      tf.engine().runKernel('LRNGrad', { x: T(i, 1, s, n), y: T(i, 2, s, n), dy: T(i, 0, s, n) }, attrs) as tf.Tensor,
    ];
  },
  ResizeBilinearGrad: resizeBilinearGrad,
  ResizeNearestNeighborGrad: resizeNearestNeighborGrad,
  MirrorPadGrad: mirrorPadGrad,
};
