// Loop-state ops on bad input: typed KERNEL errors naming the node, nothing left allocated.
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';

const F32 = 1;
const I32 = 3;

async function expectKernelError(g: Graph, fetch: string, pattern: RegExp, node: string): Promise<void> {
  const session = new Session(g);
  await session.ready();
  const before = tf.memory().numTensors;
  await expect(session.run(fetch)).rejects.toMatchObject({
    code: 'KERNEL',
    node,
    message: expect.stringMatching(pattern),
  });
  // the failed run's tensors and the array's elements are freed; the session's constants stay
  const kept = g.nodes.filter((n) => n.op === 'Const').length;
  expect(tf.memory().numTensors).toBeLessThanOrEqual(before + kept);
  session.close();
}

describe('loop state errors', () => {
  it('a TensorArray index written twice', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const ta = b.op('TensorArrayV3', [b.constant(2, { dtype: 'int32' })], { dtype: attr.type(F32) }, 'ta');
    const v = b.constant([1, 2]);
    const i = b.constant(0, { dtype: 'int32' });
    const w1 = b.op('TensorArrayWriteV3', [`${ta.name}:0`, i, v, `${ta.name}:1`], { T: attr.type(F32) }, 'w1');
    b.op('TensorArrayWriteV3', [`${ta.name}:0`, i, v, `${w1.name}:0`], { T: attr.type(F32) }, 'w2');
    await expectKernelError(g, 'w2:0', /already been written/, 'w2');
  });

  it('a TensorList popped empty, and an unwritten element of unknown shape', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const shape = b.constant(-1, { dtype: 'int32' });
    const empty = b.op(
      'EmptyTensorList',
      [shape, b.constant(-1, { dtype: 'int32' })],
      { element_dtype: attr.type(F32), shape_type: attr.type(I32) },
      'empty',
    );
    b.op('TensorListPopBack', [`${empty.name}:0`, shape], { element_dtype: attr.type(F32) }, 'pop');
    await expectKernelError(g, 'pop:1', /empty list/, 'pop');
    const reserved = b.op(
      'TensorListReserve',
      [shape, b.constant(3, { dtype: 'int32' })],
      { element_dtype: attr.type(F32), shape_type: attr.type(I32) },
      'reserved',
    );
    b.op('TensorListStack', [`${reserved.name}:0`, shape], { element_dtype: attr.type(F32) }, 'stack');
    await expectKernelError(g, 'stack:0', /not fully defined/, 'stack');
  });

  it('an Assert whose condition is false lists its data', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    b.op('Assert', [b.constant([false], { shape: [] }), b.constant([3, 4])], { T: attr.listType([F32]) }, 'check');
    await expectKernelError(g, 'check', /assertion failed: \[3 4\]/, 'check');
  });
});
