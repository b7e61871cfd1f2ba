// Conv2DBackpropInput as one matMul and col2im, for filters with few input channels (a net's first conv: resnet's
// 7x7x3x64, VGG's 3x3x3x64). conv-backprop.ts's forward-conv form makes those a conv with 3 output channels over dy
// spread by the stride (75% zeros at stride 2), which XNNPACK runs at a fraction of its speed: resnet_v1_50's conv1
// input gradient took 1.2 s of a 19 s step. Here the matMul has the filter's kh*kw*ci columns, and the scatter of its
// rows onto dx is a typed-array loop of about as many additions.
import { tf } from './common.js';

/** Input channels up to this many take this form (the forward-conv form is as fast from about 16 on). */
export const COL2IM_MAX_CHANNELS = 4;

/**
 * dx [n, h, w, ci] of a conv with `filter` [kh, kw, ci, co] (dilated already), strides and the padding before
 * (top, left), from dy [n, oh, ow, co]: cols = dy [n*oh*ow, co] times the filter as [co, kh*kw*ci]; each row's
 * window of values is added at the positions the forward conv read, padding dropped.
 */
export function inputGradCol2im(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  [n, h, w, ci]: [number, number, number, number],
  [sh, sw]: [number, number],
  [pt, pl]: [number, number],
): tf.Tensor4D {
  const [kh, kw, , co] = filter.shape;
  const [, oh, ow] = dy.shape;
  const k = kh * kw * ci;
  // the filter is small (few input channels): its transposed copy costs nothing
  const wt = tf.transpose(tf.reshape(filter, [k, co]));
  const colsT = tf.matMul(tf.reshape(dy, [n * oh * ow, co]), wt);
  const cols = colsT.dataSync() as Float32Array;
  colsT.dispose();
  wt.dispose();
  // sums in float32, in the order of the taps, as a conv's accumulator would
  const dx = new Float32Array(n * h * w * ci);
  let row = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++, row++) {
        const base = row * k;
        for (let i = 0; i < kh; i++) {
          const iy = y * sh + i - pt;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = x * sw + j - pl;
            if (ix < 0 || ix >= w) continue;
            const to = ((b * h + iy) * w + ix) * ci;
            const from = base + (i * kw + j) * ci;
            for (let c = 0; c < ci; c++) dx[to + c]! += cols[from + c]!;
          }
        }
      }
    }
  }
  return tf.tensor4d(dx, [n, h, w, ci]);
}
