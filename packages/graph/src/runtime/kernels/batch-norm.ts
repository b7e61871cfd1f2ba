// FusedBatchNorm / V2 / V3 and their gradients, after the CPU kernels of tensorflow/core/kernels/fused_batch_norm_op.cc.
// Outputs: y, batch_mean, batch_variance, reserve_space_1, reserve_space_2 (and reserve_space_3 for V3, a scalar on
// CPU). Inference (is_training false) normalizes with the given mean and variance and passes them through. Training
// normalizes with the batch's mean and biased variance, computed here in float64 (a float32 running sum of a large
// activation drifts); batch_mean / batch_variance are then the running statistics: the batch's (variance with
// Bessel's correction) when exponential_avg_factor is 1, else (1 - f) * old + f * batch. Channels-first formats
// (NCHW, NCDHW) run between transposes, as TensorFlow's CPU kernels do.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { nativeBatchNormGrad, nativeBatchNormTraining } from '../native-batch-norm.js';
import type { KernelFactory, Step } from '../values.js';
import { attrsOf, T, tf } from './common.js';

/** The permutation that moves the channel axis last, or null when it already is. */
function channelsLast(n: NodeDef, rank: number): number[] | null {
  const format = attrsOf(n).s('data_format');
  if (format === 'NHWC' || format === 'NDHWC') return null;
  if (format === 'NCHW' || format === 'NCDHW') return [0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2), 1];
  throw new GraphError('BAD_ATTR', `${n.op} with data_format ${format} is not supported`, { node: n.name });
}

function inverse(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, k) => {
    inv[p] = k;
  });
  return inv;
}

function checkFloat(n: NodeDef, x: tf.Tensor): void {
  if (x.dtype !== 'float32')
    throw new GraphError('KERNEL', `${n.op} of ${x.dtype} is not supported (float32 only)`, { node: n.name });
}

/** Per-channel mean and biased variance of a channels-last tensor, two passes in float64. */
function moments(x: tf.Tensor): { mean: Float64Array; variance: Float64Array; count: number } {
  const v = x.dataSync() as Float32Array;
  const c = x.shape[x.rank - 1]!;
  const count = c === 0 ? 0 : v.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  // row by row, no per-element modulo (it dominated the kernel: resnet's batch norms see millions of values)
  for (let base = 0; base < v.length; base += c) for (let ch = 0; ch < c; ch++) mean[ch]! += v[base + ch]!;
  for (let ch = 0; ch < c; ch++) mean[ch]! /= count;
  for (let base = 0; base < v.length; base += c) {
    for (let ch = 0; ch < c; ch++) {
      const d = v[base + ch]! - mean[ch]!;
      variance[ch]! += d * d;
    }
  }
  for (let ch = 0; ch < c; ch++) variance[ch]! /= count;
  return { mean, variance, count };
}

/** y = (x - mean) * (rsqrt(variance + epsilon) * scale) + offset, as TensorFlow's kernel groups it. */
function normalize(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  eps: number,
) {
  const factor = tf.mul(tf.rsqrt(tf.add(variance, eps)), scale);
  return tf.add(tf.mul(tf.sub(x, mean), factor), offset);
}

/** Training mode's y, batch mean and biased variance, in JavaScript (float64 moments) and backend ops. */
function batchStatistics(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number) {
  const m = moments(x);
  const mean = tf.tensor1d(Float32Array.from(m.mean));
  const variance = tf.tensor1d(Float32Array.from(m.variance));
  return { y: normalize(x, mean, variance, scale, offset, eps), mean, variance };
}

const fusedBatchNorm: KernelFactory = (n) => batchNormStep(n, false);

/**
 * FusedBatchNorm*'s step; with `relu`, y is then a Relu's output (a training batch norm whose y only a Relu reads,
 * which the plan fuses into TensorFlow's _FusedBatchNormEx: fusion.ts), the same bits as the two kernels.
 */
export function batchNormStep(n: NodeDef, relu: boolean): Step {
  const a = attrsOf(n);
  const eps = a.f('epsilon');
  const training = a.b('is_training');
  const factor = a.has('exponential_avg_factor') ? a.f('exponential_avg_factor') : 1;
  const v3 = n.op === 'FusedBatchNormV3';
  return (i, s) => {
    const [x0, scale, offset, oldMean, oldVar] = [0, 1, 2, 3, 4].map((k) => T(i, k, s, n)) as tf.Tensor[];
    checkFloat(n, x0!);
    const perm = channelsLast(n, x0!.rank);
    const x = perm ? tf.transpose(x0!, perm) : x0!;
    const extra = v3 ? [tf.scalar(0)] : [];
    if (!training) {
      const y0 = normalize(x, oldMean!, oldVar!, scale!, offset!, eps);
      const y = relu ? tf.relu(y0) : y0;
      return [perm ? tf.transpose(y, inverse(perm)) : y, oldMean!, oldVar!, oldMean!, oldVar!, ...extra];
    }
    const native = nativeBatchNormTraining(x, scale!, offset!, eps, relu);
    const { y, mean, variance } = native ?? batchStatistics(x, scale!, offset!, eps);
    const out = relu && !native ? tf.relu(y) : y;
    // Bessel's correction for the running variance (n / (n - 1), n - 1 at least 1)
    const count = x.size / (x.shape[x.rank - 1] || 1);
    const adjust = count / Math.max(count - 1, 1);
    let runMean: tf.Tensor;
    let runVar: tf.Tensor;
    if (factor === 1) {
      runMean = mean.clone();
      runVar = tf.mul(variance, Math.fround(adjust));
    } else {
      runMean = tf.add(tf.mul(oldMean!, 1 - factor), tf.mul(mean, factor));
      runVar = tf.add(tf.mul(oldVar!, 1 - factor), tf.mul(variance, Math.fround(factor * adjust)));
    }
    return [perm ? tf.transpose(out, inverse(perm)) : out, runMean, runVar, mean, variance, ...extra];
  };
}

/**
 * Per-channel sums of a channels-last tensor in two stages ([rows, w, c] summed over w, then over rows): the
 * WebAssembly backend's reduction over every leading axis at once is ~10x slower (it moves the reduced axes last
 * first), and the two-stage sum rounds less (partial sums of w values).
 */
function channelSums(t: tf.Tensor): tf.Tensor {
  const c = t.shape[t.rank - 1]!;
  if (t.rank < 3) return tf.sum(t, 0);
  const w = t.shape[t.rank - 2]!;
  return tf.sum(tf.sum(tf.reshape(t, [-1, w, c]), 1), 0);
}

/**
 * FusedBatchNormGrad / V2 / V3 (y_backprop, x, scale, reserve_space_1, reserve_space_2[, reserve_space_3]):
 * training: dx = scale * rsqrt(var + eps) * (dy - mean(dy) - (x - mean) * mean(dy * (x - mean)) / (var + eps));
 * inference: dx = dy * scale * rsqrt(var + eps). dscale = sum(dy * (x - mean)) * rsqrt(var + eps), doffset = sum(dy).
 * The training dx is computed as dy * a - (x - mean) * b - c with per-channel a, b, c: four passes over the
 * activation instead of seven (resnet's step runs 53 of these on tensors of up to 6.4M values).
 */
const fusedBatchNormGrad: KernelFactory = (n) => {
  const a = attrsOf(n);
  const eps = a.f('epsilon');
  const training = a.b('is_training');
  return (i, s) => {
    const [dy0, x0, scale, mean, variance] = [0, 1, 2, 3, 4].map((k) => T(i, k, s, n)) as tf.Tensor[];
    checkFloat(n, x0!);
    const perm = channelsLast(n, x0!.rank);
    const dy = perm ? tf.transpose(dy0!, perm) : dy0!;
    const x = perm ? tf.transpose(x0!, perm) : x0!;
    const fast = training ? nativeBatchNormGrad(dy, x, scale!, mean!, variance!, eps) : null;
    if (fast) {
      const dx = perm ? tf.transpose(fast.dx, inverse(perm)) : fast.dx;
      return [dx, fast.dscale, fast.doffset, tf.zeros([0]), tf.zeros([0])];
    }
    const rs = tf.rsqrt(tf.add(variance!, eps));
    const centered = tf.sub(x, mean!);
    const doffset = channelSums(dy);
    const sumDyX = channelSums(tf.mul(dy, centered));
    const dscale = tf.mul(sumDyX, rs);
    const gain = tf.mul(scale!, rs);
    let dx: tf.Tensor;
    if (!training) dx = tf.mul(dy, gain);
    else {
      const count = x.shape[x.rank - 1] ? x.size / x.shape[x.rank - 1]! : 1;
      // mean(dy * (x - mean)) / (var + eps) and mean(dy), both scaled by the gain
      const b = tf.mul(gain, tf.div(tf.div(sumDyX, count), tf.add(variance!, eps)));
      const c = tf.mul(gain, tf.div(doffset, count));
      dx = tf.sub(tf.sub(tf.mul(dy, gain), tf.mul(centered, b)), c);
    }
    return [perm ? tf.transpose(dx, inverse(perm)) : dx, dscale, doffset, tf.zeros([0]), tf.zeros([0])];
  };
};

export const batchNormKernels: Record<string, KernelFactory> = {
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV2: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  FusedBatchNormGrad: fusedBatchNormGrad,
  FusedBatchNormGradV2: fusedBatchNormGrad,
  FusedBatchNormGradV3: fusedBatchNormGrad,
};
