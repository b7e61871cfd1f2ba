// Neural-network kernels: activations, bias, convolution, pooling, losses.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory } from '../values.js';
import { attrsOf, padding, T, tf } from './common.js';

function layout(n: NodeDef): 'NHWC' | 'NCHW' {
  const f = attrsOf(n).s('data_format');
  if (f !== 'NHWC' && f !== 'NCHW')
    throw new GraphError('BAD_ATTR', `data_format ${f} is not supported`, { node: n.name });
  return f;
}

const toNhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]);
const toNchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);

function pool(kind: 'max' | 'avg'): KernelFactory {
  return (n) => {
    const a = attrsOf(n);
    const nchw = layout(n) === 'NCHW';
    const k = a.listI('ksize');
    const st = a.listI('strides');
    const [kh, kw, sh, sw] = nchw ? [k[2]!, k[3]!, st[2]!, st[3]!] : [k[1]!, k[2]!, st[1]!, st[2]!];
    const pad = padding(n) as 'same' | 'valid';
    return (i, s) => {
      let x = T(i, 0, s, n) as tf.Tensor4D;
      if (nchw) x = toNhwc(x) as tf.Tensor4D;
      let y = kind === 'max' ? tf.maxPool(x, [kh, kw], [sh, sw], pad) : tf.avgPool(x, [kh, kw], [sh, sw], pad);
      if (nchw) y = toNchw(y) as tf.Tensor4D;
      return [y];
    };
  };
}

export const nnKernels: Record<string, KernelFactory> = {
  Relu: (n) => (i, s) => [tf.relu(T(i, 0, s, n))],
  Relu6: (n) => (i, s) => [tf.relu6(T(i, 0, s, n))],
  Softmax: (n) => (i, s) => [tf.softmax(T(i, 0, s, n))],
  LogSoftmax: (n) => (i, s) => [tf.logSoftmax(T(i, 0, s, n))],
  BiasAdd: (n) => {
    const nchw = layout(n) === 'NCHW';
    return (i, s) => {
      const x = T(i, 0, s, n);
      const b = T(i, 1, s, n);
      if (!nchw || x.rank < 3) return [tf.add(x, b)];
      const shape = [1, b.shape[0]!, ...new Array<number>(x.rank - 2).fill(1)];
      return [tf.add(x, tf.reshape(b, shape))];
    };
  },
  Conv2D: (n) => {
    const a = attrsOf(n);
    const nchw = layout(n) === 'NCHW';
    const st = a.listI('strides');
    const dl = a.listI('dilations');
    const [sh, sw, dh, dw] = nchw ? [st[2]!, st[3]!, dl[2]!, dl[3]!] : [st[1]!, st[2]!, dl[1]!, dl[2]!];
    const pad = padding(n);
    return (i, s) => {
      let x = T(i, 0, s, n) as tf.Tensor4D;
      if (nchw) x = toNhwc(x) as tf.Tensor4D;
      let y = tf.conv2d(x, T(i, 1, s, n) as tf.Tensor4D, [sh, sw], pad, 'NHWC', [dh, dw]);
      if (nchw) y = toNchw(y) as tf.Tensor4D;
      return [y];
    };
  },
  MaxPool: pool('max'),
  AvgPool: pool('avg'),
  // summed in float64: a float32 running sum of millions of squares drifts low (vgg_16/fc6: 1.940 for TF's 2.049)
  L2Loss: (n) => (i, s) => {
    const x = T(i, 0, s, n);
    if (x.dtype !== 'float32')
      throw new GraphError('KERNEL', `L2Loss of ${x.dtype} is not supported (float32 only)`, { node: n.name });
    const v = x.dataSync() as Float32Array;
    let sum = 0;
    for (let k = 0; k < v.length; k++) sum += v[k]! * v[k]!;
    return [tf.scalar(sum / 2)];
  },
  SoftmaxCrossEntropyWithLogits: (n) => (i, s) => {
    const logits = T(i, 0, s, n);
    const labels = T(i, 1, s, n);
    const ls = tf.logSoftmax(logits);
    return [tf.neg(tf.sum(tf.mul(labels, ls), -1)), tf.sub(tf.softmax(logits), labels)];
  },
  SparseSoftmaxCrossEntropyWithLogits: (n) => (i, s) => {
    const logits = T(i, 0, s, n);
    const labels = tf.oneHot(tf.cast(T(i, 1, s, n), 'int32') as tf.Tensor1D, logits.shape[logits.rank - 1]!);
    const ls = tf.logSoftmax(logits);
    return [tf.neg(tf.sum(tf.mul(labels, ls), -1)), tf.sub(tf.softmax(logits), labels)];
  },
};
