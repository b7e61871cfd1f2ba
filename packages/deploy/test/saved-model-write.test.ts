// writeSavedModel on TensorFlow's tiny model (fixtures/deploy/tiny): the layout TensorFlow's builder writes, and the
// result loads and runs to the model's outputs (TensorFlow's numbers); TensorFlow's own loaders read it in
// interop/tests/test_deploy.py.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BundleReader } from '@tensorgraft/bundle-io';
import { DeployError, loadSavedModel, readSavedModel, writeSavedModel } from '@tensorgraft/deploy';
import { parseMetaGraph } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { DEPLOY, fixtureJson, maxRelErr } from './helpers.js';

const tiny = fixtureJson<{ ids: number[][]; probs: number[][]; logits: number[][] }>('tiny.json');
const tf1 = fixtureJson<{ ids: number[][]; probs: number[][] }>('tf1_saved_model.json');
const META = () => parseMetaGraph(readFileSync(join(DEPLOY, 'tiny', 'model.ckpt.meta')));
const CKPT = join(DEPLOY, 'tiny', 'model.ckpt');
const SIGS = { serving_default: { inputs: { ids: 'ids:0' }, outputs: { probs: 'probs:0', logits: 'logits' } } };

describe('writeSavedModel', () => {
  it('writes saved_model.pb and variables/ under the Saver keys, and loads back to the same outputs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tg-sm-')), 'export');
    const report = writeSavedModel(dir, META(), CKPT, { signatures: SIGS });
    expect(report.variables).toContain('renamed/w2');
    expect(existsSync(join(dir, 'variables', 'variables.data-00000-of-00001'))).toBe(true);
    const vars = BundleReader.open(join(dir, 'variables', 'variables'));
    const src = BundleReader.open(CKPT);
    expect(vars.names()).toEqual(src.names());
    for (const n of vars.names()) expect(vars.get(n)).toEqual(src.get(n));
    vars.close();
    src.close();

    const model = readSavedModel(dir);
    expect(model.saved_model_schema_version.toString()).toBe('1');
    const meta = model.meta_graphs[0]!;
    expect(meta.meta_info_def?.tags).toEqual(['serve']);
    const sig = meta.signature_def.serving_default!;
    expect(sig.method_name).toBe('tensorflow/serving/predict');
    expect(sig.inputs.ids?.name).toBe('ids:0');
    expect(sig.inputs.ids?.dtype).toBe(3);
    expect(sig.inputs.ids?.tensor_shape?.dim?.map((d) => Number(d.size))).toEqual([-1, 3]);
    expect(sig.outputs.logits?.name).toBe('logits:0');

    const loaded = await loadSavedModel(dir, { backend: 'cpu' });
    try {
      const out = await loaded.run('serving_default', { ids: tf.tensor(tiny.ids, undefined, 'int32') });
      expect(maxRelErr(out.probs!.dataSync(), tiny.probs.flat())).toBeLessThanOrEqual(1e-5);
      expect(maxRelErr(out.logits!.dataSync(), tiny.logits.flat())).toBeLessThanOrEqual(1e-5);
      tf.dispose(Object.values(out));
    } finally {
      loaded.close();
    }
  });

  it('adds a Saver to a graph without one, and copies assets with their AssetFileDef', async () => {
    // TensorFlow's TF1 SavedModel's graph without its SaverDef, and its variables (saved under the variables' names)
    const tf1Dir = join(DEPLOY, 'saved_model_tf1');
    const meta = readSavedModel(tf1Dir).meta_graphs[0]!;
    meta.saver_def = null;
    meta.signature_def = {};
    const root = mkdtempSync(join(tmpdir(), 'tg-sm-'));
    const vocab = join(root, 'vocab.txt');
    writeFileSync(vocab, 'a\nb\n');
    const dir = join(root, 'export');
    writeSavedModel(dir, meta, join(tf1Dir, 'variables', 'variables'), {
      signatures: SIGS,
      assets: [{ file: vocab, tensor: 'ids:0' }],
    });
    expect(readFileSync(join(dir, 'assets', 'vocab.txt'), 'utf8')).toBe('a\nb\n');
    const m = readSavedModel(dir).meta_graphs[0]!;
    expect(m.asset_file_def.map((a) => [a.filename, a.tensor_info?.name])).toEqual([['vocab.txt', 'ids:0']]);
    expect(m.saver_def?.restore_op_name).not.toBe('save/restore_all'); // a new Saver beside the old save/ nodes
    const loaded = await loadSavedModel(dir, { backend: 'cpu' });
    try {
      const out = await loaded.run('serving_default', { ids: tf.tensor(tf1.ids, undefined, 'int32') });
      expect(maxRelErr(out.probs!.dataSync(), tf1.probs.flat())).toBeLessThanOrEqual(1e-5);
      tf.dispose(Object.values(out));
    } finally {
      loaded.close();
    }
  });

  it('names a variable the new Saver would restore that the checkpoint lacks', () => {
    const meta = META();
    meta.saver_def = null;
    const dir = join(mkdtempSync(join(tmpdir(), 'tg-sm-')), 'e');
    expect(() => writeSavedModel(dir, meta, CKPT, { signatures: SIGS })).toThrow(
      /the checkpoint has no tensor 'beta1_power' that the graph's Saver restores/,
    );
    expect(existsSync(join(dir, 'saved_model.pb'))).toBe(false);
  });

  it('refuses a non-empty directory, unknown tensors and a missing checkpoint tensor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-sm-'));
    writeFileSync(join(dir, 'x'), '');
    expect(() => writeSavedModel(dir, META(), CKPT, { signatures: SIGS })).toThrow(/exists and is not empty/);
    const fresh = join(mkdtempSync(join(tmpdir(), 'tg-sm-')), 'e');
    const bad = { s: { inputs: { ids: 'nope:0' }, outputs: { probs: 'probs:0' } } };
    expect(() => writeSavedModel(fresh, META(), CKPT, { signatures: bad })).toThrow(DeployError);
    expect(() => writeSavedModel(fresh, META(), CKPT, { signatures: bad })).toThrow(/'nope:0' is not in the graph/);
    expect(existsSync(join(fresh, 'saved_model.pb'))).toBe(false);
  });
});
