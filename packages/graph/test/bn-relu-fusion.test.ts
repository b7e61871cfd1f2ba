// A training batch norm whose y only a Relu reads runs the Relu itself (fusion.ts: TensorFlow's _FusedBatchNormEx with
// activation_mode Relu, as grappler's remapper makes it on CPU). The step's values are those of the unfused kernels
// bit for bit (y, the batch statistics, the running statistics, every gradient), over inputs with NaN, -0 and
// values on both sides of zero; a batch norm whose y something else reads, or which is fetched, stays apart.
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder, gradients, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';

const SHAPE = [4, 9, 7, 24];
const C = 24;

function model() {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', SHAPE, 'x');
  const [scale, offset] = ['scale', 'offset'].map((k) => b.placeholder('float32', [C], k)) as [string, string];
  const [mean, variance] = ['mean', 'variance'].map((k) => b.constant(new Array(C).fill(k === 'mean' ? 0 : 1))) as [
    string,
    string,
  ];
  const bn = b.op(
    'FusedBatchNormV3',
    [x, scale, offset, mean, variance],
    {
      T: attr.type(1),
      U: attr.type(1),
      epsilon: attr.f(0.001),
      is_training: attr.b(true),
      data_format: attr.s('NHWC'),
      exponential_avg_factor: attr.f(1),
    },
    'bn',
  ).name;
  const y = b.relu(`${bn}:0`, 'relu');
  // a loss whose gradient varies over the activation, so ReluGrad and the batch norm's gradient see varied values
  const loss = b.reduceSum(b.mul(y, b.tanh(x)), [0, 1, 2, 3], false, 'loss');
  const [dx, dscale, doffset] = gradients(g, [loss], [x, scale, offset]) as [string, string, string];
  const feeds = {
    [x]: withSpecials(tf.randomNormal(SHAPE, 0.2, 1.5, 'float32', 1)),
    [scale]: tf.randomUniform([C], 0.5, 1.5, 'float32', 2),
    [offset]: tf.randomUniform([C], -0.5, 0.5, 'float32', 3),
  };
  const fetches = [y, `${bn}:1`, `${bn}:2`, loss, dx, dscale, doffset];
  return { g, b, bn, y, feeds, fetches };
}

/** -0 and exact zeros at some positions of one channel, NaN in another (its statistics, y and gradients are NaN). */
function withSpecials(t: tf.Tensor): tf.Tensor {
  const v = (t.dataSync() as Float32Array).slice();
  t.dispose();
  for (let r = 0; r < v.length / C; r += 5) {
    v[r * C + 3] = r % 2 ? -0 : 0;
    if (r === 10) v[r * C + 7] = Number.NaN;
  }
  return tf.tensor(v, SHAPE);
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe('a training batch norm with the Relu that reads its y', () => {
  it('plans as _FusedBatchNormEx, the Relu passing its output on', () => {
    const m = model();
    const s = new Session(m.g);
    const plan = s.planNodes(m.fetches.slice(3), Object.keys(m.feeds));
    const bn = plan.find((p) => p.name === m.bn)!;
    const relu = plan.find((p) => p.name === 'relu')!;
    expect(bn.op).toBe('_FusedBatchNormEx');
    expect(relu.op).toBe('Identity');
    s.close();
  });

  it('computes the unfused kernels’ bits: y, batch and running statistics, loss and every gradient', async () => {
    const m = model();
    const fused = new Session(m.g);
    const apart = new Session(m.g, { fuse: false });
    // fetching y itself (the Relu's output) keeps the fusion: the fetch reads the Relu, not the batch norm
    const a = (await fused.run(m.fetches, m.feeds)) as tf.Tensor[];
    const c = (await apart.run(m.fetches, m.feeds)) as tf.Tensor[];
    expect(fused.planNodes(m.fetches, Object.keys(m.feeds)).some((p) => p.op === '_FusedBatchNormEx')).toBe(true);
    expect(apart.planNodes(m.fetches, Object.keys(m.feeds)).some((p) => p.op === '_FusedBatchNormEx')).toBe(false);
    for (const [k, t] of a.entries()) expect(bits(t), `fetch ${m.fetches[k]}`).toEqual(bits(c[k]!));
    // the values are real: some y are cut to zero, some pass, NaN stays in its channel
    const y = a[0]!.dataSync() as Float32Array;
    expect(y.some((v) => v === 0) && y.some((v) => v > 0)).toBe(true);
    expect(Number.isNaN(y[7 + C * 10]!)).toBe(true);
    for (const t of [...a, ...c]) t.dispose();
    fused.close();
    apart.close();
  });

  it('stays apart when something else reads y, or y is fetched', () => {
    const m = model();
    const side = m.b.reduceSum(`${m.bn}:0`, [0, 1, 2, 3], false, 'side');
    const s = new Session(m.g);
    const feeds = Object.keys(m.feeds);
    expect(s.planNodes([m.fetches[3]!, side], feeds).find((p) => p.name === m.bn)!.op).toBe('FusedBatchNormV3');
    const unread = new Session(model().g);
    expect(unread.planNodes(['bn:0', 'relu:0'], feeds).find((p) => p.name === 'bn')!.op).toBe('FusedBatchNormV3');
    s.close();
    unread.close();
  });
});
