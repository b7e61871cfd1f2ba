// DepthwiseConv2dNative and its two backprops (tensorflow/core/kernels/depthwise_conv_op.cc, depthwise_conv_grad_op.cc):
// filter [kh, kw, C, M], output channel c*M + q. The backprops are typed-array loops over the output (no backend has
// them with explicit padding, and the wasm backend has none), accumulated in float64. NCHW is run as
// NHWC between transposes, as TensorFlow's CPU kernels do.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory } from '../values.js';
import { attrsOf, checkedSize, ints, padding, T, tf } from './common.js';

interface Window {
  nchw: boolean;
  strides: [number, number];
  dilations: [number, number];
  pad: ReturnType<typeof padding>;
}

function window(n: NodeDef): Window {
  const a = attrsOf(n);
  const format = a.s('data_format');
  if (format !== 'NHWC' && format !== 'NCHW')
    throw new GraphError('BAD_ATTR', `${n.op} with data_format ${format} is not supported`, { node: n.name });
  const nchw = format === 'NCHW';
  const st = a.listI('strides');
  const dl = a.has('dilations') ? a.listI('dilations') : [1, 1, 1, 1];
  const [h, w] = nchw ? [2, 3] : [1, 2];
  if (st.length !== 4 || dl.length !== 4 || [st[h], st[w], dl[h], dl[w]].some((v) => !Number.isInteger(v) || v! < 1))
    throw new GraphError('BAD_ATTR', `${n.op}: strides and dilations must be 4 positive entries`, { node: n.name });
  if (st[0] !== 1 || st[nchw ? 1 : 3] !== 1)
    throw new GraphError('BAD_ATTR', `${n.op}: strides in the batch and depth dimensions must be 1`, { node: n.name });
  let pad = padding(n);
  // TensorFlow's CPU backprop kernels ignore `dilations` (their gradient of a dilated conv is the undilated one's:
  // fixtures/training/kernels.json pins it); tf.nn.depthwise_conv2d never sets them, it uses space_to_batch
  const dilations: [number, number] = n.op === 'DepthwiseConv2dNative' ? [dl[h]!, dl[w]!] : [1, 1];
  // explicit_paddings follow data_format; the loops below read NHWC
  if (Array.isArray(pad) && nchw) pad = [pad[0], pad[2], pad[3], pad[1]];
  return { nchw, strides: [st[h]!, st[w]!], dilations, pad };
}

const toNhwc = (t: tf.Tensor) => tf.transpose(t, [0, 2, 3, 1]);
const toNchw = (t: tf.Tensor) => tf.transpose(t, [0, 3, 1, 2]);

/** Padding before the first row / column of one spatial axis (TensorFlow's SAME puts the odd cell after). */
function padBefore(w: Window, axis: 0 | 1, size: number, out: number, k: number): number {
  if (Array.isArray(w.pad)) return w.pad[axis + 1]![0];
  if (w.pad === 'valid') return 0;
  const total = Math.max((out - 1) * w.strides[axis] + (k - 1) * w.dilations[axis] + 1 - size, 0);
  return Math.floor(total / 2);
}

/** The output size of one spatial axis, as TensorFlow's GetWindowedOutputSize computes it. */
function outSize(w: Window, axis: 0 | 1, size: number, k: number): number {
  const eff = (k - 1) * w.dilations[axis] + 1;
  const s = w.strides[axis];
  if (Array.isArray(w.pad)) {
    const [b, a] = w.pad[axis + 1]!;
    return Math.floor((size + b + a - eff) / s) + 1;
  }
  return w.pad === 'valid' ? Math.floor((size - eff + s) / s) : Math.ceil(size / s);
}

type Shape4 = [number, number, number, number];

/**
 * The shared loop: for every output cell and tap, `visit(xIndex, fIndex, dyIndex)` over the M multipliers of each
 * channel (x index of channel c, filter index of (tap, c, 0), dy index of channel c*M).
 */
function forEachTap(
  n: NodeDef,
  w: Window,
  [b, h, wd, c]: Shape4,
  [kh, kw, fc, m]: Shape4,
  dyShape: readonly number[],
  visit: (xi: number, fi: number, di: number) => void,
): void {
  const oh = outSize(w, 0, h, kh);
  const ow = outSize(w, 1, wd, kw);
  if (
    fc !== c ||
    dyShape.length !== 4 ||
    dyShape[0] !== b ||
    dyShape[1] !== oh ||
    dyShape[2] !== ow ||
    dyShape[3] !== c * m
  )
    throw new GraphError(
      'KERNEL',
      `${n.op}: input [${b},${h},${wd},${c}], filter [${kh},${kw},${fc},${m}] and out_backprop [${dyShape}] disagree`,
      { node: n.name },
    );
  const pt = padBefore(w, 0, h, oh, kh);
  const pl = padBefore(w, 1, wd, ow, kw);
  const [sh, sw] = w.strides;
  const [dh, dw] = w.dilations;
  for (let bi = 0; bi < b; bi++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        const di = ((bi * oh + y) * ow + xo) * c * m;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i * dh - pt;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw + j * dw - pl;
            if (ix < 0 || ix >= wd) continue;
            visit(((bi * h + iy) * wd + ix) * c, (i * kw + j) * c * m, di);
          }
        }
      }
}

function sizes(t: tf.Tensor, n: NodeDef, what: string): Shape4 {
  const s = ints(t);
  if (s.length !== 4) throw new GraphError('KERNEL', `${what} must have 4 entries, got [${s}]`, { node: n.name });
  checkedSize(s, n);
  return s as Shape4;
}

function float32(t: tf.Tensor, n: NodeDef): Float32Array {
  if (t.dtype !== 'float32')
    throw new GraphError('KERNEL', `${n.op} of ${t.dtype} is not supported (float32 only)`, { node: n.name });
  return t.dataSync() as Float32Array;
}

const forward: KernelFactory = (n) => {
  const w = window(n);
  return (i, s) => {
    let x = T(i, 0, s, n) as tf.Tensor4D;
    if (w.nchw) x = toNhwc(x) as tf.Tensor4D;
    const f = T(i, 1, s, n) as tf.Tensor4D;
    if (Array.isArray(w.pad)) {
      // TensorFlow.js's depthwise conv takes no explicit padding: pad first, then a VALID conv
      const [, ph, pw] = w.pad;
      x = tf.pad(x, [[0, 0], ph, pw, [0, 0]]);
    }
    let y: tf.Tensor = tf.depthwiseConv2d(x, f, w.strides, w.pad === 'same' ? 'same' : 'valid', 'NHWC', w.dilations);
    if (w.nchw) y = toNchw(y);
    return [y];
  };
};

/** dx[b, iy, ix, c] = sum over the output cells and multipliers reading it of filter[tap, c, q] * dy[.., c*M + q]. */
const backpropInput: KernelFactory = (n) => {
  const w = window(n);
  return (i, s) => {
    const nchwShape = sizes(T(i, 0, s, n), n, 'input_sizes');
    const shape: Shape4 = w.nchw ? [nchwShape[0], nchwShape[2], nchwShape[3], nchwShape[1]] : nchwShape;
    const filter = T(i, 1, s, n);
    let dy = T(i, 2, s, n);
    if (w.nchw) dy = toNhwc(dy);
    const fs = filter.shape as Shape4;
    const fv = float32(filter, n);
    const dv = float32(dy, n);
    const c = shape[3];
    const m = fs[3];
    const dx = new Float64Array(checkedSize(shape, n));
    forEachTap(n, w, shape, fs, dy.shape, (xi, fi, di) => {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let q = 0; q < m; q++) acc += fv[fi + ch * m + q]! * dv[di + ch * m + q]!;
        dx[xi + ch]! += acc;
      }
    });
    const out = tf.tensor(Float32Array.from(dx), shape);
    return [w.nchw ? toNchw(out) : out];
  };
};

/** dfilter[tap, c, q] = sum over the batch and output cells of x[.., c] * dy[.., c*M + q]. */
const backpropFilter: KernelFactory = (n) => {
  const w = window(n);
  return (i, s) => {
    let x = T(i, 0, s, n);
    if (w.nchw) x = toNhwc(x);
    const fs = sizes(T(i, 1, s, n), n, 'filter_sizes');
    let dy = T(i, 2, s, n);
    if (w.nchw) dy = toNhwc(dy);
    if (x.rank !== 4) throw new GraphError('KERNEL', `${n.op}: input must be 4-D, got [${x.shape}]`, { node: n.name });
    const xv = float32(x, n);
    const dv = float32(dy, n);
    const [c, m] = [fs[2], fs[3]];
    const df = new Float64Array(checkedSize(fs, n));
    forEachTap(n, w, x.shape as Shape4, fs, dy.shape, (xi, fi, di) => {
      for (let ch = 0; ch < c; ch++) {
        const xval = xv[xi + ch]!;
        for (let q = 0; q < m; q++) df[fi + ch * m + q]! += xval * dv[di + ch * m + q]!;
      }
    });
    return [tf.tensor(Float32Array.from(df), fs)];
  };
};

export const depthwiseKernels: Record<string, KernelFactory> = {
  DepthwiseConv2dNative: forward,
  DepthwiseConv2dNativeBackpropInput: backpropInput,
  DepthwiseConv2dNativeBackpropFilter: backpropFilter,
};
