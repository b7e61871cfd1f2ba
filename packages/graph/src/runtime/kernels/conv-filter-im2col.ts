// Conv2DBackpropFilter as im2col + one matMul, for filters too large for conv-backprop.ts's forward-conv form (whose
// transposed copies of x and dy, plus the packed result, abort the 4 GB wasm heap on VGG's fc6 as a conv).
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { MAX_ELEMENTS, type Pad, tf } from './common.js';

/** Patch matrices are built a few images at a time, each at most this many elements (64 MB of float32). */
const IM2COL_CHUNK = 1 << 24;

/** The conv's window: strides, dilations and padding, NHWC. */
export interface ConvWindow {
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

/**
 * dW[(i,j,c), o] = sum over (n, y, x) of xpad[n, y*sh + i*dh, x*sw + j*dw, c] * dy[n, y, x, o]. The patch matrix
 * [n*outH*outW, kh*kw*C] (zeros where a window reads padding) is filled from the input's values, and the backend's
 * matMul does the arithmetic.
 */
export function filterGradIm2col(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  [kh, kw, ci, co]: [number, number, number, number],
  w: ConvWindow,
  n: NodeDef,
): tf.Tensor {
  const [batch, h, wd, c] = x.shape;
  const [, oh, ow, oc] = dy.shape;
  if (c !== ci || oc !== co || dy.shape[0] !== batch) {
    throw new GraphError(
      'KERNEL',
      `input [${x.shape}], filter_sizes [${kh},${kw},${ci},${co}] and out_backprop [${dy.shape}] disagree`,
      { node: n.name },
    );
  }
  const [sh, sw] = w.strides;
  const [dh, dw] = w.dilations;
  const before = (size: number, out: number, k: number, s: number, d: number, axis: 1 | 2): [number, number] => {
    if (Array.isArray(w.pad)) return w.pad[axis];
    if (w.pad === 'valid') return [0, 0];
    const total = Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const pt = before(h, oh, kh, sh, dh, 1);
  const pl = before(wd, ow, kw, sw, dw, 2);
  // the padded input must cover every window TensorFlow's kernel reads
  if ((oh - 1) * sh + (kh - 1) * dh + 1 > h + pt[0] + pt[1] || (ow - 1) * sw + (kw - 1) * dw + 1 > wd + pl[0] + pl[1]) {
    throw new GraphError(
      'KERNEL',
      `out_backprop [${dy.shape}] does not fit input [${x.shape}] with these strides and padding`,
      { node: n.name },
    );
  }
  const k = kh * kw * c;
  if (oh * ow * k > MAX_ELEMENTS) {
    throw new GraphError('KERNEL', `the patch matrix of one image (${oh}x${ow}x${k}) is too large`, { node: n.name });
  }
  const xs = x.dataSync() as Float32Array;
  const per = Math.max(1, Math.floor(IM2COL_CHUNK / Math.max(oh * ow * k, 1)));
  let acc: tf.Tensor | undefined;
  for (let b0 = 0; b0 < batch; b0 += per) {
    const nb = Math.min(per, batch - b0);
    // patches built with typed-array copies: tfjs's slice/concat cost more than the arithmetic at these sizes
    const cols = new Float32Array(nb * oh * ow * k);
    let row = 0;
    for (let b = b0; b < b0 + nb; b++) {
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++, row++) {
          for (let i = 0; i < kh; i++) {
            const iy = y * sh + i * dh - pt[0];
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xo * sw + j * dw - pl[0];
              if (ix < 0 || ix >= wd) continue;
              const from = ((b * h + iy) * wd + ix) * c;
              const to = row * k + (i * kw + j) * c;
              // a few channels: element copies beat creating a subarray view per window cell
              if (c < 16) for (let ch = 0; ch < c; ch++) cols[to + ch] = xs[from + ch]!;
              else cols.set(xs.subarray(from, from + c), to);
            }
          }
        }
      }
    }
    const patches = tf.tensor2d(cols, [nb * oh * ow, k]);
    const g = tf.reshape(nb === batch ? dy : tf.slice(dy, [b0, 0, 0, 0], [nb, oh, ow, co]), [nb * oh * ow, co]);
    const part = matMulFirstTransposed(patches, g);
    acc = acc ? tf.add(acc, part) : part;
  }
  return tf.reshape(acc ?? tf.zeros([kh * kw * c, co]), [kh, kw, ci, co]);
}

/**
 * a^T b for 2-D a [m, k], b [m, n]. The WebAssembly backend's matMul runs XNNPACK only with neither operand
 * transposed: transposeA (or B) takes a plain loop, 10-15x slower at these sizes (resnet's 3x3x512x512 filter
 * gradient: 1.2 s against 77 ms for a transpose and a plain matMul). a is transposed, or b and the result
 * (b^T a = (a^T b)^T) when those copies are smaller: VGG's fc6 (a [2, 25088], the result 411 MB) transposes a.
 */
export function matMulFirstTransposed(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, true, false);
  const [k, n] = [a.shape[1]!, b.shape[1]!];
  if (a.size <= b.size + k * n) return tf.matMul(tf.transpose(a), b);
  return tf.transpose(tf.matMul(tf.transpose(b), a));
}
