// TF2 control flow and tf.function calls inside a graph (If, StatelessIf, PartitionedCall, StatefulPartitionedCall),
// against TensorFlow's outputs for both branches (fixtures/models/functions.pb + functions.json).
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureJson } from './helpers.js';

interface Run {
  feed: { 'x:0': number[]; 'p:0': boolean };
  values: Record<string, number[]>;
}
const spec = fixtureJson<{ ops: string[]; init: string; runs: Run[] }>('functions.json');

describe('functions', () => {
  it('runs both branches of If / StatelessIf and function calls as TensorFlow does', async () => {
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(fixture('functions.pb')), { prefix: '' });
    const session = new Session(graph);
    await session.run(spec.init);
    for (const run of spec.runs) {
      const names = Object.keys(run.values);
      const feeds = { 'x:0': tf.tensor(run.feed['x:0']), 'p:0': tf.scalar(run.feed['p:0'], 'bool') };
      const before = tf.memory().numTensors;
      const outs = (await session.run(names, feeds)) as tf.Tensor[];
      for (const [k, name] of names.entries()) {
        const got = Array.from(outs[k]!.dataSync());
        for (const [i, v] of run.values[name]!.entries()) expect(got[i]).toBeCloseTo(v, 5);
      }
      for (const t of outs) t.dispose();
      // function bodies dispose their intermediates too (constants compiled on the first run stay cached)
      if (run !== spec.runs[0]) expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
      for (const t of Object.values(feeds)) t.dispose();
    }
    session.close();
  });

  it('names an op a function body cannot run at plan time', async () => {
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(fixture('functions.pb')), { prefix: '' });
    const call = graph.node('stateless_cond')!;
    const fn = graph.library!.function!.find((f) => f.signature!.name === call.attr.then_branch!.func!.name)!;
    for (const n of fn.node_def!) if (n.op === 'Mul') n.op = 'FancyMul';
    const session = new Session(graph);
    await expect(
      session.run(`${call.name}:0`, { 'x:0': tf.ones([2]), 'p:0': tf.scalar(true, 'bool') }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED_OP',
      message: expect.stringContaining('FancyMul'),
    });
    session.close();
  });
});
