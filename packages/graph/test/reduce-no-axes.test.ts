// A reduction over no axes is TensorFlow's copy of the input (reduction_ops_common.h: "reduces nothing"): a
// gradient's Sum over BroadcastGradientArgs of two equal shapes (every residual add of a ResNet) is one, so it must
// cost no pass over the tensor and keep every bit (-0, NaN), where the backend's sum would make -0 +0.
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';

describe('Sum, Mean, Max, Min and Prod over no axes', () => {
  it.each(['Sum', 'Mean', 'Max', 'Min', 'Prod'])('%s gives the input bit for bit, keep_dims or not', async (op) => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [2, 3], 'x');
    const none = b.constant([], { dtype: 'int32', shape: [0] });
    const outs = [false, true].map(
      (keep) =>
        `${b.op(op, [x, none], { T: attr.type(1), Tidx: attr.type(3), keep_dims: attr.b(keep) }, `r_${keep}`).name}:0`,
    );
    const values = new Float32Array([-0, Number.NaN, 1.5, -Infinity, 3e-41, -7]);
    const feed = tf.tensor(values, [2, 3]);
    const s = new Session(g);
    const got = (await s.run(outs, { [x]: feed })) as tf.Tensor[];
    for (const t of got) {
      expect(t.shape).toEqual([2, 3]);
      expect(Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))).toEqual(
        Array.from(new Uint32Array(values.buffer)),
      );
      t.dispose();
    }
    feed.dispose();
    s.close();
  });
});
