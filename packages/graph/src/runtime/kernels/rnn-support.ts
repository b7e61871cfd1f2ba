// Ops dynamic_rnn and bidirectional_dynamic_rnn put around their loops: Assert (sequence_length checks) and
// ReverseSequence (the backward direction reads each sequence reversed up to its length; it is its own gradient).
import { GraphError } from '../../errors.js';
import type { KernelFactory } from '../values.js';
import { attrsOf, checkedSize, ints, T, tf } from './common.js';

export const rnnSupportKernels: Record<string, KernelFactory> = {
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
