// CheckNumerics passes finite values through and fails with TensorFlow's wording on NaN / Inf; ResourceGather gathers
// rows of a resource variable (embedding_lookup).
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, Session } from '@tensorgraft/graph';
import { DataType } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';

describe('CheckNumerics and ResourceGather kernels', () => {
  it('CheckNumerics is the identity on finite values and names NaN / Inf', async () => {
    const g = new Graph();
    g.addNode({ name: 'x', op: 'Placeholder', attr: { dtype: attr.type(DataType.DT_FLOAT) } });
    g.addNode({
      name: 'c',
      op: 'CheckNumerics',
      inputs: ['x'],
      attr: { T: attr.type(DataType.DT_FLOAT), message: attr.s('logits') },
    });
    const s = new Session(g, { backend: 'cpu' });
    try {
      const out = (await s.run('c:0', { 'x:0': tf.tensor([1, -2, 3]) })) as tf.Tensor;
      expect(Array.from(out.dataSync())).toEqual([1, -2, 3]);
      out.dispose();
      await expect(s.run('c:0', { 'x:0': tf.tensor([1, Number.NaN]) })).rejects.toThrow(
        /logits : Tensor had NaN values/,
      );
      await expect(s.run('c:0', { 'x:0': tf.tensor([Number.POSITIVE_INFINITY]) })).rejects.toThrow(
        /logits : Tensor had Inf values/,
      );
    } finally {
      s.close();
    }
  });

  it('ResourceGather takes rows of the variable', async () => {
    const g = new Graph();
    g.addNode({
      name: 'v',
      op: 'VarHandleOp',
      attr: { dtype: attr.type(DataType.DT_FLOAT), shape: attr.shape([3, 2]) },
    });
    g.addNode({ name: 'i', op: 'Placeholder', attr: { dtype: attr.type(DataType.DT_INT32) } });
    g.addNode({
      name: 'gather',
      op: 'ResourceGather',
      inputs: ['v', 'i'],
      attr: { dtype: attr.type(DataType.DT_FLOAT), Tindices: attr.type(DataType.DT_INT32) },
    });
    const s = new Session(g, { backend: 'cpu' });
    try {
      s.assignVariable(
        'v',
        tf.tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      );
      const out = (await s.run('gather:0', { 'i:0': tf.tensor([[2, 0]], undefined, 'int32') })) as tf.Tensor;
      expect(out.shape).toEqual([1, 2, 2]);
      expect(Array.from(out.dataSync())).toEqual([5, 6, 1, 2]);
      out.dispose();
    } finally {
      s.close();
    }
  });
});
