// The kernels TensorFlow's gradient graphs use: activation gradients (ReluGrad, TanhGrad, ...), convolution and
// pooling backprops, BiasAddGrad, and the shape plumbing of tf.gradients (BroadcastGradientArgs, DynamicStitch,
// InvertPermutation, ConcatOffset, StridedSliceGrad). Formulas follow TensorFlow's CPU kernels
// (tensorflow/core/kernels/*_op.h, cwise_ops_gradients.h); fixtures/training/kernels.json holds TensorFlow's answers.
// The conv backprops are forward convs and matMuls (conv-backprop.ts: the WebAssembly backend has no
// Conv2DBackpropFilter and a slow Conv2DBackpropInput) and MaxPoolGrad a typed-array loop (wasm's is wrong for
// all-negative windows): the kernels of a CNN's training step all run on the active backend.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { nativeFilterGrad, nativeInputGrad } from '../native-conv.js';
import { nativeMaxPoolGrad, nativeReluGrad } from '../native-loops.js';
import type { KernelFactory } from '../values.js';
import { heapOutput, sizeOf } from '../wasm-heap.js';
import { attrsOf, checkedSize, ints, padding, T, tf } from './common.js';
import { filterGrad, forwardPads, inputGrad } from './conv-backprop.js';
import { filterGradIm2col } from './conv-filter-im2col.js';

/** The 2-D window attrs of a conv / pool node, read for NHWC (NCHW is refused: TensorFlow's CPU kernels refuse it). */
function window2d(n: NodeDef, sizes: 'ksize' | null) {
  const a = attrsOf(n);
  const format = a.has('data_format') ? a.s('data_format') : 'NHWC';
  if (format !== 'NHWC') {
    throw new GraphError('BAD_ATTR', `${n.op} with data_format ${format} is not supported (NHWC only)`, {
      node: n.name,
    });
  }
  const st = a.listI('strides');
  const dl = a.has('dilations') ? a.listI('dilations') : [1, 1, 1, 1];
  const k = sizes ? a.listI(sizes) : [1, 1, 1, 1];
  if (
    st.length !== 4 ||
    dl.length !== 4 ||
    k.length !== 4 ||
    st[0] !== 1 ||
    st[3] !== 1 ||
    dl[0] !== 1 ||
    dl[3] !== 1
  ) {
    throw new GraphError('BAD_ATTR', `${n.op}: strides/dilations/ksize must have 4 entries with batch and depth 1`, {
      node: n.name,
    });
  }
  if ([...st, ...dl, ...k].some((v) => !Number.isInteger(v) || v < 1)) {
    throw new GraphError('BAD_ATTR', `${n.op}: strides, dilations and ksize must be positive`, { node: n.name });
  }
  const pad = padding(n);
  return {
    strides: [st[1]!, st[2]!] as [number, number],
    dilations: [dl[1]!, dl[2]!] as [number, number],
    ksize: [k[1]!, k[2]!] as [number, number],
    pad,
  };
}

function shape4(t: tf.Tensor, n: NodeDef, what: string): [number, number, number, number] {
  const s = ints(t);
  if (s.length !== 4) throw new GraphError('KERNEL', `${what} must have 4 entries, got [${s}]`, { node: n.name });
  checkedSize(s, n);
  return s as [number, number, number, number];
}

/**
 * A filter with zeros between its taps: a conv with dilation d equals a conv with this filter and dilation 1
 * (TensorFlow.js's backprop kernels take no dilations).
 */
function dilateFilter(f: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return f;
  const [kh, kw, ci, co] = f.shape;
  let g: tf.Tensor = f;
  if (dh > 1) {
    g = tf.pad(tf.reshape(g, [kh, 1, kw, ci, co]), [
      [0, 0],
      [0, dh - 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    g = tf.slice(tf.reshape(g, [kh * dh, kw, ci, co]), [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, ci, co]);
  }
  const h = g.shape[0]!;
  if (dw > 1) {
    g = tf.pad(tf.reshape(g, [h, kw, 1, ci, co]), [
      [0, 0],
      [0, 0],
      [0, dw - 1],
      [0, 0],
      [0, 0],
    ]);
    g = tf.slice(tf.reshape(g, [h, kw * dw, ci, co]), [0, 0, 0, 0], [h, (kw - 1) * dw + 1, ci, co]);
  }
  return g as tf.Tensor4D;
}

/** The filter gradient of a dilated conv is every d-th tap of the dilated filter's gradient. */
function undilate(g: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return g;
  return tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [dh, dw, 1, 1]) as tf.Tensor4D;
}

function run(kernel: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs as never, attrs as never) as tf.Tensor;
}

/**
 * Conv2DBackpropFilter: filters up to this many elements (8 MB of float32: resnet's 1x1s, not 3x3x512x512) take
 * conv-backprop.ts's forward-conv form; larger ones im2col: the form's transposed copies fragmented the wasm heap
 * enough that a VGG-16 step (batch 1) ran out of it at gradients/AddN_2 (interop test_slim_vgg_train).
 */
const MAX_FLIPPED_FILTER = 1 << 21;

/**
 * Conv2DBackpropInput copies its filter twice (reverse, transpose) up to this many elements: 3x3x512x512 (9.4 MB),
 * whose backend kernel (a plain loop) took 5 s of a VGG-16 step per 28x28 layer against ~0.4 s as a forward conv;
 * VGG's fc6 and fc7 as convs (103M, 17M) keep the backend's kernel.
 */
const MAX_FLIPPED_INPUT_FILTER = 3 * 3 * 512 * 512;

const conv2dBackpropInput: KernelFactory = (n) => {
  const w = window2d(n, null);
  return (i, s) => {
    const inputShape = shape4(T(i, 0, s, n), n, 'input_sizes');
    const rawFilter = T(i, 1, s, n) as tf.Tensor4D;
    const dy = T(i, 2, s, n) as tf.Tensor4D;
    checkBackprop(inputShape, rawFilter.shape, dy, w, n);
    const native = nativeInputGrad(dy, rawFilter, inputShape, w.strides, w.dilations, w.pad);
    if (native) return [native];
    const filter = dilateFilter(rawFilter, w.dilations);
    // the forward-conv form copies the filter twice (reverse, transpose): for a huge filter (VGG's fc6 as a conv,
    // 411 MB) that aborts the 4 GB wasm heap, so those keep the backend's own kernel
    if (tf.getBackend() !== 'tensorflow' && filter.size <= MAX_FLIPPED_INPUT_FILTER) {
      return [inputGrad(dy, filter, inputShape, w.strides, w.pad)];
    }
    return [
      run('Conv2DBackpropInput', { dy, filter }, { strides: w.strides, pad: w.pad, dataFormat: 'NHWC', inputShape }),
    ];
  };
};

/** The input, filter and output gradient shapes of a conv backprop agree, and every window fits the padded input. */
function checkBackprop(
  [batch, h, wd, c]: readonly number[],
  [kh, kw, ci, co]: readonly number[],
  dy: tf.Tensor,
  w: ReturnType<typeof window2d>,
  n: NodeDef,
): void {
  const [, oh, ow, oc] = dy.shape;
  if (dy.rank !== 4 || c !== ci || oc !== co || dy.shape[0] !== batch) {
    throw new GraphError(
      'KERNEL',
      `input [${batch},${h},${wd},${c}], filter [${kh},${kw},${ci},${co}] and out_backprop [${dy.shape}] disagree`,
      { node: n.name },
    );
  }
  const [sh, sw] = w.strides;
  const [dh, dw] = w.dilations;
  const kEffH = (kh! - 1) * dh + 1;
  const kEffW = (kw! - 1) * dw + 1;
  const [pt, pb] = forwardPads(w.pad, 1, h!, oh!, kEffH, sh);
  const [pl, pr] = forwardPads(w.pad, 2, wd!, ow!, kEffW, sw);
  // TensorFlow's output size for this input, window and padding must be dy's (SAME: ceil(size / stride))
  const same = w.pad === 'same';
  const outH = same ? Math.ceil(h! / sh) : Math.floor((h! + pt + pb - kEffH) / sh) + 1;
  const outW = same ? Math.ceil(wd! / sw) : Math.floor((wd! + pl + pr - kEffW) / sw) + 1;
  if (outH !== oh || outW !== ow) {
    throw new GraphError(
      'KERNEL',
      `out_backprop [${dy.shape}] does not fit input [${batch},${h},${wd},${c}] with these strides and padding`,
      { node: n.name },
    );
  }
}

const conv2dBackpropFilter: KernelFactory = (n) => {
  const w = window2d(n, null);
  return (i, s) => {
    const x = T(i, 0, s, n) as tf.Tensor4D;
    const sizes = shape4(T(i, 1, s, n), n, 'filter_sizes');
    const dy = T(i, 2, s, n) as tf.Tensor4D;
    checkBackprop(x.shape, sizes, dy, w, n);
    const [kh, kw, ci, co] = sizes;
    const native = nativeFilterGrad(x, dy, [kh, kw], w.strides, w.dilations, w.pad);
    if (native) return [native];
    if (tf.getBackend() !== 'tensorflow') {
      if (kh * kw * ci * co > MAX_FLIPPED_FILTER) return [filterGradIm2col(x, dy, sizes, w, n)];
      return [filterGrad(x, dy, [kh, kw], w.strides, w.dilations, w.pad)];
    }
    // tfjs-node: TensorFlow's own kernel (no dilations in tfjs's attrs: a dilated filter's gradient, every d-th tap)
    const [dh, dw] = w.dilations;
    const filterShape = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co];
    const g = run(
      'Conv2DBackpropFilter',
      { x, dy },
      { strides: w.strides, pad: w.pad, dataFormat: 'NHWC', filterShape },
    );
    return [undilate(g as tf.Tensor4D, w.dilations)];
  };
};

/**
 * A pool gradient's float32 output of `shape`, zeroed, and its inputs' values. On the wasm backend the output is a
 * tensor the backend allocated and all are views of its heap: copying the inputs out (dataSync) and the output back in
 * took most of a training step's pool gradients. Elsewhere (or for another dtype) copies and a new array.
 */
function poolBuffers(
  shape: number[],
  inputs: tf.Tensor[],
): { ins: Float32Array[]; out: Float32Array; done(): tf.Tensor } {
  const size = sizeOf(shape);
  const heap = size > 0 ? heapOutput(shape, inputs) : null;
  if (heap) return { ins: heap.ins, out: heap.view.fill(0), done: () => heap.out };
  const out = new Float32Array(size);
  // uploaded once written (the wasm backend copies at upload)
  return { ins: inputs.map((t) => t.dataSync() as Float32Array), out, done: () => tf.tensor(out, shape, 'float32') };
}

/**
 * MaxPoolGrad as TensorFlow's CPU kernel computes it: each window's gradient goes to the first position (row-major in
 * the window, padding skipped) holding the window's maximum. Written over typed arrays: wasm's MaxPoolGrad loses the
 * gradient of windows whose inputs are all negative (tfjs-backend-wasm 4.22.0), and the CPU backend's is slow.
 */
const maxPoolGrad: KernelFactory = (n) => {
  const w = window2d(n, 'ksize');
  return (i, s) => {
    const x = T(i, 0, s, n);
    const dy = T(i, 2, s, n);
    if (x.rank !== 4 || dy.rank !== 4 || dy.shape[0] !== x.shape[0] || dy.shape[3] !== x.shape[3]) {
      throw new GraphError('KERNEL', `orig_input [${x.shape}] and grad [${dy.shape}] do not fit`, { node: n.name });
    }
    const [batch, h, wd, c] = x.shape as [number, number, number, number];
    const [, oh, ow] = dy.shape as [number, number, number, number];
    const [kh, kw] = w.ksize;
    const [sh, sw] = w.strides;
    const [pt, pl] = poolPads(w, h, wd, oh, ow);
    const io = poolBuffers(x.shape, [x, dy]);
    const [xs, gs] = io.ins as [Float32Array, Float32Array];
    const dx = io.out;
    if (kh === 1 && kw === 1) {
      // TF-slim's subsample: each window is one cell (or padding) and no two windows share one, so no max to find;
      // (+0) + g as below, which makes a -0 gradient +0
      for (let b = 0; b < batch; b++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - pt;
          if (iy < 0 || iy >= h) continue;
          for (let xo = 0; xo < ow; xo++) {
            const ix = xo * sw - pl;
            if (ix < 0 || ix >= wd) continue;
            const at = ((b * h + iy) * wd + ix) * c;
            const g = ((b * oh + y) * ow + xo) * c;
            for (let ch = 0; ch < c; ch++) dx[at + ch] = 0 + gs[g + ch]!;
          }
        }
      }
      return [io.done()];
    }
    const geometry = { batch, h, w: wd, c, oh, ow, kh, kw, sh, sw, padTop: pt, padLeft: pl };
    if (nativeMaxPoolGrad(xs, gs, dx, geometry)) return [io.done()];
    // channels innermost (NHWC's contiguous axis): each window keeps every channel's running max and its position
    const max = new Float32Array(c);
    const best = new Int32Array(c);
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < oh; y++) {
        const y0 = Math.max(y * sh - pt, 0);
        const y1 = Math.min(y * sh - pt + kh, h);
        for (let xo = 0; xo < ow; xo++) {
          const x0 = Math.max(xo * sw - pl, 0);
          const x1 = Math.min(xo * sw - pl + kw, wd);
          if (y0 >= y1 || x0 >= x1) continue; // a window of padding only passes no gradient
          // seeded with the window's first position; only a strictly greater value moves the choice
          const first = ((b * h + y0) * wd + x0) * c;
          max.set(xs.subarray(first, first + c));
          for (let ch = 0; ch < c; ch++) best[ch] = first + ch;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = ((b * h + iy) * wd + ix) * c;
              for (let ch = 0; ch < c; ch++) {
                const v = xs[at + ch]!;
                if (v > max[ch]!) {
                  max[ch] = v;
                  best[ch] = at + ch;
                }
              }
            }
          }
          const g = ((b * oh + y) * ow + xo) * c;
          for (let ch = 0; ch < c; ch++) dx[best[ch]!] = dx[best[ch]!]! + gs[g + ch]!;
        }
      }
    }
    return [io.done()];
  };
};

/**
 * AvgPoolGrad as TensorFlow's CPU kernel computes it: each window's gradient is spread evenly over the input cells
 * it covers, padding excluded (TensorFlow.js's divides by the full window size at padded edges).
 */
const avgPoolGrad: KernelFactory = (n) => {
  const w = window2d(n, 'ksize');
  return (i, s) => {
    const [batch, h, wd, c] = shape4(T(i, 0, s, n), n, 'orig_input_shape');
    const dy = T(i, 1, s, n);
    const [kh, kw] = w.ksize;
    const [sh, sw] = w.strides;
    const [oh, ow] = [dy.shape[1]!, dy.shape[2]!];
    if (dy.rank !== 4 || dy.shape[0] !== batch || dy.shape[3] !== c) {
      throw new GraphError('KERNEL', `grad [${dy.shape}] does not fit orig_input_shape [${batch},${h},${wd},${c}]`, {
        node: n.name,
      });
    }
    const [pt, pl] = poolPads(w, h, wd, oh, ow);
    const io = poolBuffers([batch, h, wd, c], [dy]);
    const [gs] = io.ins as [Float32Array];
    const dx = io.out;
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < oh; y++) {
        const y0 = Math.max(y * sh - pt, 0);
        const y1 = Math.min(y * sh - pt + kh, h);
        for (let xo = 0; xo < ow; xo++) {
          const x0 = Math.max(xo * sw - pl, 0);
          const x1 = Math.min(xo * sw - pl + kw, wd);
          const cells = (y1 - y0) * (x1 - x0);
          if (cells <= 0) continue;
          const g = ((b * oh + y) * ow + xo) * c;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = ((b * h + iy) * wd + ix) * c;
              for (let ch = 0; ch < c; ch++) dx[at + ch] = dx[at + ch]! + gs[g + ch]! / cells;
            }
          }
        }
      }
    }
    return [io.done()];
  };
};

/** The top and left padding of a pool window (TensorFlow's SAME puts the odd cell at the bottom / right). */
function poolPads(w: ReturnType<typeof window2d>, h: number, wd: number, oh: number, ow: number): [number, number] {
  if (Array.isArray(w.pad)) return [w.pad[1][0], w.pad[2][0]];
  if (w.pad === 'valid') return [0, 0];
  const [kh, kw] = w.ksize;
  const [sh, sw] = w.strides;
  return [Math.floor(Math.max((oh - 1) * sh + kh - h, 0) / 2), Math.floor(Math.max((ow - 1) * sw + kw - wd, 0) / 2)];
}

/** BiasAddGrad: the sum over every axis but the channel axis. */
const biasAddGrad: KernelFactory = (n) => {
  const a = attrsOf(n);
  const nchw = a.has('data_format') && a.s('data_format') === 'NCHW';
  return (i, s) => {
    const g = T(i, 0, s, n);
    const channel = nchw && g.rank >= 3 ? 1 : g.rank - 1;
    const axes = g.shape.map((_, k) => k).filter((k) => k !== channel);
    return [axes.length ? tf.sum(g, axes) : g];
  };
};

/**
 * BroadcastGradientArgs (TensorFlow's BCast): the output axes each input must be summed over to undo broadcasting.
 * Identical shapes need no reduction; otherwise every axis where an input (padded with leading 1s) has size 1.
 */
function broadcastGradientArgs(a: number[], b: number[], n: NodeDef): [number[], number[]] {
  if (a.length === b.length && a.every((d, k) => d === b[k])) return [[], []];
  const rank = Math.max(a.length, b.length);
  const pa = [...new Array<number>(rank - a.length).fill(1), ...a];
  const pb = [...new Array<number>(rank - b.length).fill(1), ...b];
  const ra: number[] = [];
  const rb: number[] = [];
  for (let k = 0; k < rank; k++) {
    const x = pa[k]!;
    const y = pb[k]!;
    if (x !== y && x !== 1 && y !== 1) {
      throw new GraphError('KERNEL', `Incompatible shapes: [${a}] vs. [${b}]`, { node: n.name });
    }
    if (x === 1) ra.push(k);
    if (y === 1) rb.push(k);
  }
  return [ra, rb];
}

/** DynamicStitch / ParallelDynamicStitch: merged[indices[m][i]] = data[m][i]; a later (m, i) wins. */
const dynamicStitch: KernelFactory = (n) => {
  const count = attrsOf(n).i('N');
  return (i, s) => {
    const idx = Array.from({ length: count }, (_, m) => T(i, m, s, n));
    const data = Array.from({ length: count }, (_, m) => T(i, count + m, s, n));
    const lists = idx.map((t) => ints(t));
    let first = 0;
    for (const l of lists)
      for (const v of l) if (v < 0) throw new GraphError('KERNEL', `index ${v} is negative`, { node: n.name });
    for (const l of lists) for (const v of l) first = Math.max(first, v + 1);
    const inner = data[0]!.shape.slice(idx[0]!.rank);
    const innerSize = inner.reduce((p, d) => p * d, 1);
    for (let m = 0; m < count; m++) {
      const want = [...idx[m]!.shape, ...inner];
      if (data[m]!.rank !== want.length || data[m]!.shape.some((d, k) => d !== want[k])) {
        throw new GraphError('KERNEL', `data[${m}] has shape [${data[m]!.shape}], expected [${want}]`, {
          node: n.name,
        });
      }
    }
    checkedSize([first, ...inner], n);
    const dtype = data[0]!.dtype;
    const out = dtype === 'int32' ? new Int32Array(first * innerSize) : new Float32Array(first * innerSize);
    for (let m = 0; m < count; m++) {
      const src = data[m]!.dataSync() as Float32Array | Int32Array;
      for (const [k, dst] of lists[m]!.entries())
        out.set(src.subarray(k * innerSize, (k + 1) * innerSize), dst * innerSize);
    }
    return [tf.tensor(out, [first, ...inner], dtype)];
  };
};

/** StridedSliceGrad: dy scattered into zeros of `shape` at the positions StridedSlice read. */
const stridedSliceGrad: KernelFactory = (n) => {
  const a = attrsOf(n);
  const masks = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((k) => a.i(k));
  return (i, s) => {
    const shape = ints(T(i, 0, s, n));
    checkedSize(shape, n);
    const dy = T(i, 4, s, n);
    const info = tf.slice_util.sliceInfo(
      shape,
      ints(T(i, 1, s, n)),
      ints(T(i, 2, s, n)),
      ints(T(i, 3, s, n)),
      masks[0]!,
      masks[1]!,
      masks[2]!,
      masks[3]!,
      masks[4]!,
    );
    const counts = shape.map((_, d) => {
      const b = info.begin[d]!;
      const e = info.end[d]!;
      const st = info.strides[d]!;
      return Math.max(0, Math.ceil((e - b) / st));
    });
    const total = counts.reduce((p, c) => p * c, 1);
    if (total !== dy.size) {
      throw new GraphError('KERNEL', `dy has ${dy.size} elements, the slice has ${total}`, { node: n.name });
    }
    const size = shape.reduce((p, d) => p * d, 1);
    const out = dy.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
    const src = dy.dataSync() as Float32Array | Int32Array;
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, x) => p * x, 1));
    const pos = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < total; k++) {
      let off = 0;
      for (let d = 0; d < shape.length; d++) off += (info.begin[d]! + pos[d]! * info.strides[d]!) * strides[d]!;
      out[off] = src[k]!;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++pos[d]! < counts[d]!) break;
        pos[d] = 0;
      }
    }
    return [tf.tensor(out, shape, dy.dtype)];
  };
};

const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = 1.7580993408473768;

const g2 =
  (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): KernelFactory =>
  (n) =>
  (i, s) => [fn(T(i, 0, s, n), T(i, 1, s, n))];

export const gradKernels: Record<string, KernelFactory> = {
  // (gradients, features) or (gradients, outputs)
  // one native pass where loops.c is built (the backend's greater, cast and mul are three)
  ReluGrad: g2((g, x) => nativeReluGrad(g, x) ?? tf.mul(g, tf.cast(tf.greater(x, 0), g.dtype))),
  Relu6Grad: g2((g, x) => tf.mul(g, tf.cast(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6)), g.dtype))),
  EluGrad: g2((g, y) => tf.where(tf.less(y, 0), tf.mul(g, tf.add(y, 1)), g)),
  SeluGrad: g2((g, y) => tf.where(tf.less(y, 0), tf.mul(g, tf.add(y, SELU_SCALE_ALPHA)), tf.mul(g, SELU_SCALE))),
  LeakyReluGrad: (n) => {
    const alpha = attrsOf(n).f('alpha');
    return (i, s) => {
      const g = T(i, 0, s, n);
      return [tf.where(tf.greater(T(i, 1, s, n), 0), g, tf.mul(g, alpha))];
    };
  },
  SoftplusGrad: g2((g, x) => tf.div(g, tf.add(tf.exp(tf.neg(x)), 1))),
  SoftsignGrad: g2((g, x) => tf.div(g, tf.square(tf.add(tf.abs(x), 1)))),
  // (y, dy)
  SigmoidGrad: g2((y, dy) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  TanhGrad: g2((y, dy) => tf.mul(dy, tf.sub(1, tf.mul(y, y)))),
  RsqrtGrad: g2((y, dy) => tf.mul(tf.mul(tf.mul(dy, y), tf.mul(y, y)), -0.5)),
  SqrtGrad: g2((y, dy) => tf.div(tf.mul(dy, 0.5), y)),
  ReciprocalGrad: g2((y, dy) => tf.mul(tf.neg(dy), tf.mul(y, y))),
  InvGrad: g2((y, dy) => tf.mul(tf.neg(dy), tf.mul(y, y))),
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  MaxPoolGrad: maxPoolGrad,
  AvgPoolGrad: avgPoolGrad,
  BiasAddGrad: biasAddGrad,
  BroadcastGradientArgs: (n) => (i, s) => {
    const [ra, rb] = broadcastGradientArgs(ints(T(i, 0, s, n)), ints(T(i, 1, s, n)), n);
    return [tf.tensor1d(ra, 'int32'), tf.tensor1d(rb, 'int32')];
  },
  DynamicStitch: dynamicStitch,
  ParallelDynamicStitch: dynamicStitch,
  InvertPermutation: (n) => (i, s) => {
    const p = ints(T(i, 0, s, n));
    const inv = new Int32Array(p.length).fill(-1);
    p.forEach((d, k) => {
      if (d < 0 || d >= p.length || inv[d] !== -1) {
        throw new GraphError('KERNEL', `[${p}] is not a permutation`, { node: n.name });
      }
      inv[d] = k;
    });
    return [tf.tensor1d(inv, 'int32')];
  },
  PreventGradient: (n) => (i, s) => [T(i, 0, s, n)],
  ConcatOffset: (n) => {
    const count = attrsOf(n).i('N');
    return (i, s) => {
      const shapes = Array.from({ length: count }, (_, m) => ints(T(i, 1 + m, s, n)));
      const rank = shapes[0]!.length;
      let axis = ints(T(i, 0, s, n))[0]!;
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank) throw new GraphError('KERNEL', `concat_dim out of range`, { node: n.name });
      let at = 0;
      return shapes.map((shape) => {
        const off = new Int32Array(rank);
        off[axis] = at;
        at += shape[axis]!;
        return tf.tensor1d(off, 'int32');
      });
    };
  },
  StridedSliceGrad: stridedSliceGrad,
};
