// Ops dynamic_rnn and bidirectional_dynamic_rnn put around their loops: Assert (sequence_length checks) and
// ReverseSequence (the backward direction reads each sequence reversed up to its length; it is its own gradient);
// and LSTMBlockCell, the fused LSTM step of TF 1.x's LSTMBlockCell graphs (lstm_ops.cc: gates in i, c, f, o order,
// optional peepholes and cell clipping). Its gradient lived in tf.contrib, which the pinned TensorFlow lacks, so only
// the forward step is here.
import { GraphError } from '../../errors.js';
import type { KernelFactory } from '../values.js';
import { attrsOf, checkedSize, ints, T, tf } from './common.js';

const lstmBlockCell: KernelFactory = (n) => {
  const a = attrsOf(n);
  const forgetBias = a.f('forget_bias');
  const clip = a.f('cell_clip');
  const peephole = a.b('use_peephole');
  return (i, s) => {
    const [x, csPrev, hPrev, w, wci, wcf, wco, b] = i.map((_, k) => T(i, k, s, n));
    const units = csPrev!.shape[1]!;
    if (x!.rank !== 2 || w!.shape[1] !== 4 * units || w!.shape[0] !== x!.shape[1]! + units) {
      throw new GraphError('KERNEL', `LSTMBlockCell: x [${x!.shape}], w [${w!.shape}] for ${units} units`, {
        node: n.name,
      });
    }
    const icfo = tf.add(tf.matMul(tf.concat([x!, hPrev!], 1), w!), b!);
    const [gi, gc, gf, go] = tf.split(icfo, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const peep = (gate: tf.Tensor, weight: tf.Tensor, cs: tf.Tensor) =>
      peephole ? tf.add(gate, tf.mul(weight, cs)) : gate;
    const ig = tf.sigmoid(peep(gi, wci!, csPrev!));
    const ci = tf.tanh(gc);
    const fg = tf.sigmoid(peep(tf.add(gf, forgetBias), wcf!, csPrev!));
    let cs = tf.add(tf.mul(ci, ig), tf.mul(csPrev!, fg));
    if (clip > 0) cs = tf.clipByValue(cs, -clip, clip);
    const og = tf.sigmoid(peep(go, wco!, cs));
    const co = tf.tanh(cs);
    return [ig, cs, fg, og, ci, co, tf.mul(co, og)];
  };
};

export const rnnSupportKernels: Record<string, KernelFactory> = {
  LSTMBlockCell: lstmBlockCell,
  Assert: (n) => {
    const summarize = attrsOf(n).i('summarize');
    return (i, s) => {
      const cond = T(i, 0, s, n);
      if (cond.size !== 1) throw new GraphError('KERNEL', 'Assert needs a scalar condition', { node: n.name });
      if (cond.dataSync()[0]) return [];
      const data = i.slice(1).map((_, k) => {
        const t = T(i, k + 1, s, n);
        const v = Array.from(t.dataSync() as ArrayLike<unknown>).slice(0, Math.max(summarize, 0));
        return `[${v.join(' ')}${t.size > v.length ? '...' : ''}]`;
      });
      throw new GraphError('KERNEL', `assertion failed: ${data.join(' ')}`, { node: n.name });
    };
  },
  ReverseSequence: (n) => {
    const a = attrsOf(n);
    const seqDim = a.i('seq_dim');
    const batchDim = a.i('batch_dim');
    return (i, s) => {
      const x = T(i, 0, s, n);
      const lengths = ints(T(i, 1, s, n));
      const shape = x.shape;
      if (
        seqDim < 0 ||
        seqDim >= shape.length ||
        batchDim < 0 ||
        batchDim >= shape.length ||
        seqDim === batchDim ||
        lengths.length !== shape[batchDim]
      ) {
        throw new GraphError(
          'KERNEL',
          `ReverseSequence: seq_dim ${seqDim}, batch_dim ${batchDim}, ${lengths.length} lengths for shape [${shape}]`,
          {
            node: n.name,
          },
        );
      }
      for (const l of lengths) {
        if (l < 0 || l > shape[seqDim]!)
          throw new GraphError('KERNEL', `ReverseSequence: length ${l} is outside [0, ${shape[seqDim]}]`, {
            node: n.name,
          });
      }
      // every output element's flat source index, then one gather
      const size = checkedSize(shape, n);
      const strides = shape.map((_, k) => shape.slice(k + 1).reduce((p, d) => p * d, 1));
      const src = new Int32Array(size);
      for (let at = 0; at < size; at++) {
        const t = Math.floor(at / strides[seqDim]!) % shape[seqDim]!;
        const b = Math.floor(at / strides[batchDim]!) % shape[batchDim]!;
        const len = lengths[b]!;
        src[at] = t < len ? at + (len - 1 - 2 * t) * strides[seqDim]! : at;
      }
      return [tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.tensor1d(src, 'int32')), shape)];
    };
  },
};
