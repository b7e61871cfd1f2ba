// A model given as a bare GraphDef (no collections, no saver): its variables are found by op type and get
// VariableDefs, so they are initialised, saved and trained like a meta graph's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader } from '@tensorgraft/bundle-io';
import { Graph, GraphBuilder, graphToGraphDef, Session } from '@tensorgraft/graph';
import { mix, restoreMixed, saveMixed, trainableVariables } from '@tensorgraft/mixer';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mixer-gd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model() {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [null, 3], 'x');
  const w = b.variable('w', [3, 2], { constant: [1, 2, 3, 4, 5, 6] });
  const r = b.variable('r', [2], { constant: [0.5, -0.5] }, { resource: true });
  b.add(b.matmul(x, w), r, 'y');
  return graphToGraphDef(g);
}

describe('graphDef models', () => {
  it('gets VariableDefs for its variables; they initialise, run and save under the scope', async () => {
    const mixed = mix([{ scope: 'm', graphDef: model() }]);
    expect(mixed.model('m').variables).toEqual(['m/w', 'm/r']);
    expect(trainableVariables(mixed.graph)).toEqual(['m/w', 'm/r']);
    const session = new Session(mixed.graph);
    const report = await restoreMixed(session, mixed);
    expect(report.initialized).toEqual(['m/w', 'm/r']);
    const x = tf.tensor([[1, 0, 1]]);
    const y = (await session.run('m/y:0', { 'm/x:0': x })) as tf.Tensor;
    expect(Array.from(await y.data())).toEqual([1 + 5 + 0.5, 2 + 6 - 0.5]);
    const prefix = join(dir, 'out');
    await saveMixed(mixed, prefix, { session });
    const r = BundleReader.open(prefix);
    expect(r.names()).toEqual(['m/r', 'm/w']);
    expect(Array.from(r.get('m/w').data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    r.close();
    for (const t of [x, y]) t.dispose();
    session.close();
  });
});
