// Two TensorFlow-written models (fixtures/models: a small CNN whose `mean:0` is [N, 8], an MLP whose `x:0` is
// [N, 8]) mixed into one graph with the MLP wired to the CNN's features: names, restore map, values and outputs.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader, BundleWriter } from '@tensorgraft/bundle-io';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';
import { mix, restoreMixed, saveMixed } from '@tensorgraft/mixer';
import { afterAll, describe, expect, it } from 'vitest';
import { ckpt, fixtureJson, type Io, maxAbsDiff, meta, sidecar } from './helpers.js';

const cnnIo = fixtureJson<Io>('cnn', 'io.json');
const mlpIo = fixtureJson<Io>('mlp', 'io.json');
const images = () => tf.tensor(sidecar('cnn', cnnIo.inputs['images:0']!), cnnIo.inputs['images:0']!.shape);

const dirs: string[] = [];
const sessions: Session[] = [];
afterAll(() => {
  for (const s of sessions) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mixer-'));
  dirs.push(d);
  return d;
};

const mixCnnMlp = () =>
  mix([
    { scope: 'backbone', metaGraph: meta('cnn'), checkpoint: ckpt('cnn') },
    { scope: 'head', metaGraph: meta('mlp'), checkpoint: ckpt('mlp'), inputMap: { 'x:0': 'backbone/mean:0' } },
  ]);

/** Runs one TensorFlow-written model alone, restored by its own saver. */
async function runAlone(model: string, feeds: Record<string, tf.Tensor>, fetch: string): Promise<Float32Array> {
  const graph = new Graph();
  const { saverDef } = importMetaGraph(graph, parseMetaGraph(readFileSync(meta(model))));
  const session = new Session(graph);
  sessions.push(session);
  await session.run(saverDef!.restore_op_name, { [saverDef!.filename_tensor_name]: ckpt(model) });
  const out = (await session.run(fetch, feeds)) as tf.Tensor;
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

describe('mix', () => {
  it('imports each model under its scope, drops their savers, and maps every variable to its checkpoint key', () => {
    const mixed = mixCnnMlp();
    const g = mixed.graph;
    expect(g.hasNode('backbone/conv1/weights')).toBe(true);
    expect(g.hasNode('head/dense/kernel')).toBe(true);
    // the models' own save/restore subgraphs are not carried over
    expect(g.nodes.filter((n) => n.name.includes('/save/'))).toEqual([]);
    // the MLP's first MatMul reads the CNN's mean directly
    expect(g.requireNode('head/dense/MatMul').input[0]).toBe('backbone/mean:0');
    expect(mixed.model('head').wired).toEqual({ 'x:0': 'backbone/mean:0' });
    const map = [...mixed.restoreMap.values()].map((e) => [e.variable, e.key, e.model]);
    expect(map.sort()).toEqual(
      [
        ...Object.keys(cnnIo.variables).map((k) => [`backbone/${k}`, k, 'backbone']),
        ...Object.keys(mlpIo.variables).map((k) => [`head/${k}`, k, 'head']),
      ].sort(),
    );
    expect(mixed.tensor('head', 'probs:0')).toBe('head/probs:0');
  });

  it('restoreMixed fills every variable with its TensorFlow value; the mixed output is the two models in a row', async () => {
    const mixed = mixCnnMlp();
    const session = new Session(mixed.graph);
    sessions.push(session);
    const report = await restoreMixed(session, mixed);
    expect(report.restored).toHaveLength(12);
    expect(report.initialized).toEqual([]);
    for (const [name, entry] of Object.entries(cnnIo.variables)) {
      const v = (await session.run(`backbone/${name}/Read/ReadVariableOp:0`)) as tf.Tensor;
      expect(Array.from(await v.data())).toEqual(Array.from(sidecar('cnn', entry)));
      v.dispose();
    }
    const x = images();
    const [mean, probs] = (await session.run(['backbone/mean:0', 'head/probs:0'], {
      'backbone/images:0': x,
    })) as tf.Tensor[];
    // the backbone's part gives TensorFlow's own output for these images
    expect(maxAbsDiff(await mean!.data(), sidecar('cnn', cnnIo.outputs['mean:0']!))).toBeLessThan(1e-5);
    const alone = await runAlone('mlp', { 'x:0': mean! }, 'probs:0');
    expect(maxAbsDiff(await probs!.data(), alone)).toBeLessThan(1e-6);
    expect(probs!.shape).toEqual([2, 4]);
    for (const t of [x, mean!, probs!]) t.dispose();
  });

  it('saveMixed without a session copies every tensor byte for byte under its scoped key, plus a meta graph', async () => {
    const mixed = mixCnnMlp();
    const prefix = join(tmp(), 'merged', 'model.ckpt');
    const report = await saveMixed(mixed, prefix);
    expect(report.fromSession).toEqual([]);
    expect(report.streamed).toHaveLength(12);
    const out = BundleReader.open(prefix);
    const keys = out.names();
    expect(keys).toEqual(
      [
        ...Object.keys(cnnIo.variables).map((k) => `backbone/${k}`),
        ...Object.keys(mlpIo.variables).map((k) => `head/${k}`),
      ].sort(),
    );
    for (const [model, io, scope] of [
      ['cnn', cnnIo, 'backbone'],
      ['mlp', mlpIo, 'head'],
    ] as const) {
      const src = BundleReader.open(ckpt(model));
      for (const k of Object.keys(io.variables)) {
        const a = src.entry(k);
        const b = out.entry(`${scope}/${k}`);
        expect([b.dtype, b.shape, b.crc32c, b.size]).toEqual([a.dtype, a.shape, a.crc32c, a.size]);
        expect(Buffer.from((out.get(`${scope}/${k}`).data as Float32Array).buffer)).toEqual(
          Buffer.from((src.get(k).data as Float32Array).buffer),
        );
      }
      src.close();
    }
    out.close();

    // the meta graph has one Saver over every variable: import it, restore through save/restore_all, run
    const graph = new Graph();
    const { saverDef } = importMetaGraph(graph, parseMetaGraph(readFileSync(`${prefix}.meta`)));
    expect(saverDef?.restore_op_name).toBe('save/restore_all');
    const session = new Session(graph);
    sessions.push(session);
    await session.run(saverDef!.restore_op_name, { [saverDef!.filename_tensor_name]: prefix });
    const x = images();
    const probs = (await session.run('head/probs:0', { 'backbone/images:0': x })) as tf.Tensor;
    const mean = await runAlone('cnn', { 'images:0': x }, 'mean:0');
    const alone = await runAlone('mlp', { 'x:0': tf.tensor(mean, [2, 8]) }, 'probs:0');
    expect(maxAbsDiff(await probs.data(), alone)).toBeLessThan(1e-6);
    x.dispose();
    probs.dispose();
  });

  it('saveMixed with a session reads the values from it (a changed variable is saved as changed)', async () => {
    const mixed = mixCnnMlp();
    const session = new Session(mixed.graph);
    sessions.push(session);
    await restoreMixed(session, mixed);
    session.assignVariable('head/dense/bias', tf.fill([16], 0.5));
    const prefix = join(tmp(), 'model.ckpt');
    const report = await saveMixed(mixed, prefix, { session });
    expect(report.fromSession).toHaveLength(12);
    const r = BundleReader.open(prefix);
    expect(Array.from(r.get('head/dense/bias').data as Float32Array)).toEqual(new Array(16).fill(0.5));
    expect(Array.from(r.get('backbone/fc/biases').data as Float32Array)).toEqual(
      Array.from(sidecar('cnn', cnnIo.variables['fc/biases']!)),
    );
    r.close();
    // stream 'all' takes the source checkpoint's value instead
    const prefix2 = join(tmp(), 'model.ckpt');
    await saveMixed(mixed, prefix2, { session, stream: 'all' });
    const r2 = BundleReader.open(prefix2);
    expect(Array.from(r2.get('head/dense/bias').data as Float32Array)).toEqual(
      Array.from(sidecar('mlp', mlpIo.variables['dense/bias']!)),
    );
    r2.close();
  });
});

describe('mix: more', () => {
  it('two models with the same variable names are fine under different scopes', async () => {
    const mixed = mix([
      { scope: 'a', metaGraph: meta('mlp'), checkpoint: ckpt('mlp') },
      { scope: 'b', metaGraph: meta('mlp'), checkpoint: ckpt('mlp') },
    ]);
    expect(mixed.restoreMap.get('a/dense/kernel')?.key).toBe('dense/kernel');
    expect(mixed.restoreMap.get('b/dense/kernel')?.key).toBe('dense/kernel');
    const prefix = join(tmp(), 'two');
    const report = await saveMixed(mixed, prefix);
    expect(report.keys.filter((k) => k.endsWith('/dense/kernel'))).toEqual(['a/dense/kernel', 'b/dense/kernel']);
  });

  it("keepSaver keeps a model's own save/restore subgraph, which still restores it", async () => {
    const mixed = mix([{ scope: 'm', metaGraph: meta('mlp'), keepSaver: true }]);
    expect(mixed.graph.hasNode('m/save/restore_all')).toBe(true);
    const session = new Session(mixed.graph);
    sessions.push(session);
    await session.run('m/save/restore_all', { 'm/save/Const:0': ckpt('mlp') });
    const v = (await session.run('m/dense/bias/read:0')) as tf.Tensor;
    expect(Array.from(await v.data())).toEqual(Array.from(sidecar('mlp', mlpIo.variables['dense/bias']!)));
    v.dispose();
  });

  it('a damaged checkpoint tensor stops restoreMixed with an IO error naming the variable', async () => {
    const dir = tmp();
    for (const ext of ['index', 'data-00000-of-00001'])
      copyFileSync(`${ckpt('mlp')}.${ext}`, join(dir, `model.ckpt.${ext}`));
    const data = join(dir, 'model.ckpt.data-00000-of-00001');
    const bytes = readFileSync(data);
    const entry = BundleReader.open(ckpt('mlp')).entry('dense_1/kernel');
    bytes[entry.offset + 5] = (bytes[entry.offset + 5] ?? 0) ^ 0xff;
    writeFileSync(data, bytes);
    const mixed = mix([{ scope: 'm', metaGraph: meta('mlp'), checkpoint: join(dir, 'model.ckpt') }]);
    const session = new Session(mixed.graph);
    sessions.push(session);
    await expect(restoreMixed(session, mixed)).rejects.toMatchObject({
      name: 'MixerError',
      code: 'IO',
      variable: 'm/dense_1/kernel',
      model: 'm',
    });
  });
});

describe('mix: restore choices', () => {
  it('exclude leaves variables (or scopes) to their initializers', async () => {
    const mixed = mix([
      { scope: 'b', metaGraph: meta('cnn'), checkpoint: ckpt('cnn'), exclude: ['fc', 'conv2/biases'] },
    ]);
    expect([...mixed.restoreMap.keys()].sort()).toEqual(['b/conv1/biases', 'b/conv1/weights', 'b/conv2/weights']);
    const session = new Session(mixed.graph);
    sessions.push(session);
    const report = await restoreMixed(session, mixed);
    expect(report.initialized.sort()).toEqual(['b/conv2/biases', 'b/fc/biases', 'b/fc/weights']);
  });

  it('checkpointKey finds variables saved under other names', async () => {
    const dir = tmp();
    const src = BundleReader.open(ckpt('mlp'));
    const w = new BundleWriter(join(dir, 'renamed'));
    for (const name of src.names()) w.add(`old_model/${name}`, src.get(name));
    w.finish();
    src.close();
    const mixed = mix([
      { scope: 'm', metaGraph: meta('mlp'), checkpoint: join(dir, 'renamed'), checkpointKey: (v) => `old_model/${v}` },
    ]);
    expect(mixed.restoreMap.get('m/dense/kernel')?.key).toBe('old_model/dense/kernel');
    const session = new Session(mixed.graph);
    sessions.push(session);
    await restoreMixed(session, mixed);
    const v = (await session.run('m/dense_2/kernel/read:0')) as tf.Tensor;
    expect(Array.from(await v.data())).toEqual(Array.from(sidecar('mlp', mlpIo.variables['dense_2/kernel']!)));
    v.dispose();
  });
});
