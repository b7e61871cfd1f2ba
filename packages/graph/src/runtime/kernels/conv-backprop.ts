// Conv2DBackpropInput and Conv2DBackpropFilter written with the kernels every backend runs fast: forward conv2d,
// transpose, reverse, pad, slice. The WebAssembly backend's own Conv2DBackpropInput is a plain loop (~10x slower than
// its XNNPACK conv2d on resnet's layers), it has no Conv2DBackpropFilter, and its matMul with a transposed first
// operand (im2col's dW = patches^T dy) takes a slow path (~6x): a resnet_v1_50 training step spent 85% of its time in
// the two backprops before.
// Everything stays in the backend's memory (no dataSync round trips).
//
// Input gradient: dx = the VALID correlation of dy (spread to stride 1, s-1 zeros between values, padded by
// k-1-pad_before) with the filter flipped in space and transposed in/out. A 1x1 filter skips the spreading of the
// input: the conv (a matMul per position) runs on dy, and its result is spread onto every s-th input position.
// Filter gradient: dW[i, j, c, o] = sum over (n, y, x) of xpad[n, y*sh + i*dh, x*sw + j*dw, c] * dy[n, y, x, o]
// is itself a VALID conv: of xpad with channels and batch swapped ([c, h, w, n], c images of n channels) with dy as
// the filter ([oy, ox, n, o], dilated by the stride), giving [c, i, j, o]. Measured against im2col + matMul on
// resnet's layers (wasm, 2 threads, a loaded machine): 1.6-2.4x faster at 56x56, as fast at 14x14 (3x3, 256
// channels), and 15x on conv1 (7x7 on 3 channels: im2col's 49 thin taps).

import type { Pad } from './common.js';
import { tf } from './common.js';
import { matMulFirstTransposed } from './conv-filter-im2col.js';
import { COL2IM_MAX_CHANNELS, inputGradCol2im } from './conv-input-col2im.js';

export type Pair = [number, number];

/** [before, after] padding of one spatial axis (1 = height, 2 = width) of a forward conv, as TensorFlow computes it. */
export function forwardPads(pad: Pad, axis: 1 | 2, size: number, out: number, kEff: number, stride: number): Pair {
  if (Array.isArray(pad)) return pad[axis];
  if (pad === 'valid') return [0, 0];
  const total = Math.max((out - 1) * stride + kEff - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** `t` [n, h, w, c] with s-1 zeros after each value along height and width: [n, h*sh, w*sw, c]. */
function spread(t: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  let [n, h, w, c] = t.shape;
  let r: tf.Tensor = t;
  if (sh > 1) {
    r = tf.reshape(
      tf.pad(tf.reshape(r, [n * h, 1, w * c]), [
        [0, 0],
        [0, sh - 1],
        [0, 0],
      ]),
      [n, h * sh, w, c],
    );
    h *= sh;
  }
  if (sw > 1) {
    r = tf.reshape(
      tf.pad(tf.reshape(r, [n * h, w, 1, c]), [
        [0, 0],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]),
      [n, h, w * sw, c],
    );
  }
  return r as tf.Tensor4D;
}

/** The [h, w] window of `t` starting at (top, left), zeros where it reaches past `t`'s edges. */
function crop(t: tf.Tensor4D, top: number, left: number, h: number, w: number): tf.Tensor4D {
  const [, th, tw] = t.shape;
  const pads: Pair[] = [
    [0, 0],
    [Math.max(-top, 0), Math.max(top + h - th, 0)],
    [Math.max(-left, 0), Math.max(left + w - tw, 0)],
    [0, 0],
  ];
  const padded = pads.some(([a, b]) => a > 0 || b > 0) ? tf.pad(t, pads) : t;
  const y0 = top + pads[1]![0];
  const x0 = left + pads[2]![0];
  if (y0 === 0 && x0 === 0 && padded.shape[1] === h && padded.shape[2] === w) return padded;
  return tf.slice(padded, [0, y0, x0, 0], [t.shape[0], h, w, t.shape[3]]);
}

/**
 * dx of a stride-`strides` conv of an input `inputShape` with `filter` [kh, kw, ci, co] (already dilated), from dy
 * [n, oh, ow, co].
 */
export function inputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: Pair,
  pad: Pad,
): tf.Tensor4D {
  const [, h, w] = inputShape;
  const [kh, kw] = filter.shape;
  const [, oh, ow] = dy.shape;
  const [pt] = forwardPads(pad, 1, h, oh, kh, strides[0]);
  const [pl] = forwardPads(pad, 2, w, ow, kw, strides[1]);
  if (filter.shape[2] <= COL2IM_MAX_CHANNELS) return inputGradCol2im(dy, filter, inputShape, strides, [pt, pl]);
  // flipped in space, in and out channels swapped: [kh, kw, co, ci]
  const flipped = tf.transpose(kh * kw > 1 ? tf.reverse(filter, [0, 1]) : filter, [0, 1, 3, 2]) as tf.Tensor4D;
  if (kh === 1 && kw === 1) {
    // input position y*s - pad gets the value of output position y
    return crop(spread(tf.conv2d(dy, flipped, 1, 'valid'), strides), pt, pl, h, w);
  }
  const d = strides[0] > 1 || strides[1] > 1 ? spread(dy, strides) : dy;
  // d padded by k-1-pad before and up to a length of size + k - 1 after; a negative amount is cut by the crop
  const before: Pair = [kh - 1 - pt, kw - 1 - pl];
  const after: Pair = [h + kh - 1 - before[0] - d.shape[1], w + kw - 1 - before[1] - d.shape[2]];
  const convPad: [Pair, Pair, Pair, Pair] = [
    [0, 0],
    [Math.max(before[0], 0), Math.max(after[0], 0)],
    [Math.max(before[1], 0), Math.max(after[1], 0)],
    [0, 0],
  ];
  const full = tf.conv2d(d, flipped, 1, convPad);
  return crop(full, convPad[1][0] - before[0], convPad[2][0] - before[1], h, w);
}

/** dW [kh, kw, ci, co] of a conv of x [n, h, w, ci] whose output gradient is dy [n, oh, ow, co]. */
export function filterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  [kh, kw]: Pair,
  strides: Pair,
  dilations: Pair,
  pad: Pad,
): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  const [sh, sw] = strides;
  const [dh, dw] = dilations;
  const [kEffH, kEffW] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  const [pt] = forwardPads(pad, 1, h, oh, kEffH, sh);
  const [pl] = forwardPads(pad, 2, w, ow, kEffW, sw);
  // exactly the rows and columns the windows read: padding added, any the last window does not reach cut
  const xp = crop(x, -pt, -pl, (oh - 1) * sh + kEffH, (ow - 1) * sw + kEffW);
  if (kh === 1 && kw === 1) {
    // a 1x1 filter's gradient is one matMul, x's read positions [n*oh*ow, ci] transposed times dy [n*oh*ow, co]: as
    // a conv (below) its channels-as-batch layout ran 3-6x slower on resnet's 1x1 layers
    const read = sh > 1 || sw > 1 ? tf.stridedSlice(xp, [0, 0, 0, 0], xp.shape, [1, sh, sw, 1]) : xp;
    const [ci, co] = [x.shape[3], dy.shape[3]];
    const rows = dy.shape[0] * oh * ow;
    const g = matMulFirstTransposed(tf.reshape(read, [rows, ci]), tf.reshape(dy, [rows, co]));
    return tf.reshape(g, [1, 1, ci, co]);
  }
  // channels as the batch, the batch as channels; dy as the filter, its taps `stride` apart
  const images = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D;
  const taps = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  const g = tf.conv2d(images, taps, 1, 'valid', 'NHWC', [sh, sw]);
  // [ci, kEffH, kEffW, co] -> [kEffH, kEffW, ci, co]; a dilated filter's gradient is every d-th tap
  const full = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  return dh === 1 && dw === 1 ? full : (tf.stridedSlice(full, [0, 0, 0, 0], full.shape, [dh, dw, 1, 1]) as tf.Tensor4D);
}
