// tf.compat.v1 conditionals (Switch / Merge, control flow v1) for every combination of predicates, against
// TensorFlow's outputs (fixtures/models/cond_v1.pb + cond_v1.json).
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureJson } from './helpers.js';

interface Run {
  p: boolean;
  training: boolean;
  values: Record<string, number[]>;
}
const spec = fixtureJson<{ ops: string[]; init: string; x: number[]; runs: Run[] }>('cond_v1.json');

describe('control flow v1', () => {
  it('takes the branch TensorFlow takes, skipping the other', async () => {
    expect(spec.ops).toContain('Switch');
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(fixture('cond_v1.pb')), { prefix: '' });
    const session = new Session(graph);
    await session.run(spec.init);
    const x = tf.tensor(spec.x, [2, 3]);
    for (const run of spec.runs) {
      const names = Object.keys(run.values);
      const feeds = { 'x:0': x, 'p:0': tf.scalar(run.p, 'bool'), 'is_training:0': tf.scalar(run.training, 'bool') };
      const outs = (await session.run(names, feeds)) as tf.Tensor[];
      for (const [k, name] of names.entries()) {
        const got = Array.from(outs[k]!.dataSync());
        for (const [i, v] of run.values[name]!.entries()) expect(got[i]).toBeCloseTo(v, 5);
      }
      for (const t of outs) t.dispose();
      feeds['p:0'].dispose();
      feeds['is_training:0'].dispose();
    }
    x.dispose();
    session.close();
  });

  it('fetching a tensor of the branch not taken is an error naming it', async () => {
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(fixture('cond_v1.pb')), { prefix: '' });
    const session = new Session(graph);
    await session.run(spec.init);
    const sw = graph.nodes.find((n) => n.op === 'Switch' && n.name.startsWith('branch/'))!;
    await expect(
      session.run(`${sw.name}:1`, { 'x:0': tf.ones([2, 3]), 'p:0': tf.scalar(false, 'bool') }),
    ).rejects.toMatchObject({
      code: 'KERNEL',
      message: expect.stringContaining('not taken'),
    });
    session.close();
  });
});
