import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, GraphBuilder, parseMetaGraph, Session } from '@tensorgraft/graph';
import { latestCheckpoint } from '@tensorgraft/saver';
import { GraphSaver } from '@tensorgraft/saver/graph';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fakeClock, readJson, tempDir } from './helpers.js';

function build() {
  const graph = new Graph();
  const b = new GraphBuilder(graph);
  const w = b.nameScope('dense', () => b.variable('kernel', [2, 3], { constant: [1, 2, 3, 4, 5, 6] }));
  const v = b.variable('counter', [], { constant: [7] }, { resource: true });
  const init = b.globalVariablesInitializer();
  return { graph, w, v, init };
}

async function read(session: Session, name: string): Promise<number[]> {
  const t = (await session.run(name))!;
  const values = Array.from(await t.data());
  t.dispose();
  return values;
}

describe('GraphSaver (tf.compat.v1.train.Saver on a Graph)', () => {
  it('adds the save/restore subgraph and SaverDef, saves with retention, meta graph and state file, restores', async () => {
    const { graph, w, v, init } = build();
    const clock = fakeClock(1000);
    const saver = new GraphSaver(graph, { maxToKeep: 2, clock: clock.fn });
    expect(saver.saverDef).toMatchObject({
      filename_tensor_name: 'save/Const:0',
      save_tensor_name: 'save/control_dependency:0',
      restore_op_name: 'save/restore_all',
      max_to_keep: 2,
    });
    for (const n of ['save/SaveV2', 'save/RestoreV2', 'save/restore_all']) expect(graph.requireNode(n).name).toBe(n);
    const dir = tempDir();
    const session = new Session(graph, { backend: 'cpu' });
    await session.run(init);
    for (const step of [10, 20, 30]) {
      clock.now += 60;
      await saver.save(session, join(dir, 'model.ckpt'), { globalStep: step });
    }
    expect(readdirSync(dir).sort()).toEqual([
      'checkpoint',
      ...['model.ckpt-20', 'model.ckpt-30'].flatMap((p) => [`${p}.data-00000-of-00001`, `${p}.index`, `${p}.meta`]),
    ]);
    const meta = parseMetaGraph(readFileSync(join(dir, 'model.ckpt-30.meta')));
    expect(meta.saver_def?.restore_op_name).toBe('save/restore_all');
    expect(latestCheckpoint(dir)).toBe(join(dir, 'model.ckpt-30'));

    const fresh = new Session(graph, { backend: 'cpu' });
    await saver.restore(fresh, latestCheckpoint(dir)!);
    expect(await read(fresh, w.value)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await read(fresh, v.value)).toEqual([7]);
    await expect(saver.restore(fresh, join(dir, 'model.ckpt-10'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    session.close();
    fresh.close();
  });
});

describe('GraphSaver.restore with a map (grafting a checkpoint into a scope)', () => {
  it("puts TF-slim style vgg_16/ weights into the graph's base/ scope; unmapped variables keep their values", async () => {
    const TF1 = readJson(join(FIXTURES, 'saver', 'tf1.json'));
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const conv = b.nameScope('base', () =>
      b.nameScope('conv1', () => [
        b.variable('weights', [3, 3, 2, 4], { zeros: true }),
        b.variable('biases', [4], { zeros: true }, { resource: true }),
      ]),
    );
    const head = b.nameScope('head', () => b.variable('w', [4, 3], { constant: Array(12).fill(2) }));
    const init = b.globalVariablesInitializer();
    const saver = new GraphSaver(graph);
    const session = new Session(graph, { backend: 'cpu' });
    await session.run(init);
    const report = (await saver.restore(session, join(FIXTURES, 'saver', TF1.prefix), {
      map: { 'vgg_16/': 'base/' },
    }))!;
    expect(report.assignments).toEqual([
      { variable: 'base/conv1/weights', key: 'vgg_16/conv1/weights' },
      { variable: 'base/conv1/biases', key: 'vgg_16/conv1/biases' },
    ]);
    expect(report.skipped).toEqual(['head/w']);
    expect(await read(session, conv[0]!.value)).toEqual(TF1.tensors['vgg_16/conv1/weights'].values.map(Math.fround));
    expect(await read(session, conv[1]!.value)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(await read(session, head.value)).toEqual(Array(12).fill(2));
    await expect(
      saver.restore(session, join(FIXTURES, 'saver', TF1.prefix), { map: { 'vgg_16/fc8/': 'base/conv1/' } }),
    ).rejects.toMatchObject({
      code: 'MISSING_VARIABLE',
    });
    session.close();
  });
});
