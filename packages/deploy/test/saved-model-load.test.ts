// TensorFlow-written SavedModels (fixtures/deploy, interop/fixtures/make_deploy.py): a tf.compat.v1 builder's (ref and
// resource variables, sharded saver, two signatures) and tf.saved_model.save of a tf.Module (the signature is a
// StatefulPartitionedCall into the function library; variables restored by the restore function). Listed as
// saved_model_cli lists them, and run to TensorFlow's outputs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DeployError, formatSavedModel, loadSavedModel, showSavedModel } from '@tensorgraft/deploy';
import { describe, expect, it } from 'vitest';
import { DEPLOY, fixtureJson, maxRelErr } from './helpers.js';

const tf1 = fixtureJson<{ ids: number[][]; probs: number[][]; logits: number[][] }>('tf1_saved_model.json');
const tf2 = fixtureJson<{ x: number[][]; y: number[][] }>('tf2_saved_model.json');

describe('showSavedModel', () => {
  it('lists the tag-sets and signatures of a TF1 builder SavedModel', () => {
    const s = showSavedModel(join(DEPLOY, 'saved_model_tf1'));
    expect(s.schemaVersion).toBe(1);
    expect(s.metaGraphs.map((m) => m.tags)).toEqual([['serve']]);
    const sigs = s.metaGraphs[0]!.signatures;
    expect(sigs.map((x) => x.key)).toEqual(['logits_only', 'serving_default']);
    expect(sigs[1]).toEqual({
      key: 'serving_default',
      methodName: 'tensorflow/serving/predict',
      inputs: { ids: { name: 'ids:0', dtype: 'DT_INT32', shape: [-1, 3] } },
      outputs: { probs: { name: 'probs:0', dtype: 'DT_FLOAT', shape: [-1, 3] } },
    });
    expect(formatSavedModel(s)).toContain("signature_def['serving_default']:");
  });

  it('lists a TF2 SavedModel with its init op signature', () => {
    const sigs = showSavedModel(join(DEPLOY, 'saved_model_tf2')).metaGraphs[0]!.signatures;
    expect(sigs.map((x) => x.key)).toEqual(['__saved_model_init_op', 'serving_default']);
    expect(sigs[1]!.inputs.x).toEqual({ name: 'serving_default_x:0', dtype: 'DT_FLOAT', shape: [-1, 3] });
    expect(sigs[1]!.outputs.y?.name).toBe('StatefulPartitionedCall:0');
  });

  it('a truncated saved_model.pb is BAD_FILE with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-sm-bad-'));
    const bytes = readFileSync(join(DEPLOY, 'saved_model_tf1', 'saved_model.pb'));
    writeFileSync(join(dir, 'saved_model.pb'), bytes.subarray(0, bytes.length >> 1));
    let err: DeployError | undefined;
    try {
      showSavedModel(dir);
    } catch (e) {
      err = e as DeployError;
    }
    expect(err).toBeInstanceOf(DeployError);
    expect(err?.code).toBe('BAD_FILE');
    expect(err?.path).toBe(join(dir, 'saved_model.pb'));
  });

  it('names a directory without a SavedModel', () => {
    expect(() => showSavedModel(DEPLOY)).toThrow(DeployError);
    expect(() => showSavedModel(DEPLOY)).toThrow(/no saved_model.pb or saved_model.pbtxt/);
  });
});

describe('loadSavedModel', () => {
  it("runs both signatures of the TF1 SavedModel to TensorFlow's outputs", async () => {
    const m = await loadSavedModel(join(DEPLOY, 'saved_model_tf1'), { backend: 'cpu' });
    try {
      const ids = tf.tensor(tf1.ids, undefined, 'int32');
      const { probs } = await m.run('serving_default', { ids });
      const { logits } = await m.run('logits_only', { ids });
      expect(maxRelErr(probs!.dataSync(), tf1.probs.flat())).toBeLessThanOrEqual(1e-5);
      expect(maxRelErr(logits!.dataSync(), tf1.logits.flat())).toBeLessThanOrEqual(1e-5);
      tf.dispose([ids, probs!, logits!]);
    } finally {
      m.close();
    }
  });

  it("restores a TF2 SavedModel through its restore function and runs the signature to TensorFlow's outputs", async () => {
    const m = await loadSavedModel(join(DEPLOY, 'saved_model_tf2'), { backend: 'cpu' });
    try {
      const { y } = await m.run('serving_default', { x: tf.tensor(tf2.x) });
      expect(maxRelErr(y!.dataSync(), tf2.y.flat())).toBeLessThanOrEqual(1e-5);
      y!.dispose();
    } finally {
      m.close();
    }
  });

  it('names a missing tag-set, signature or input', async () => {
    await expect(loadSavedModel(join(DEPLOY, 'saved_model_tf1'), { tags: ['train'] })).rejects.toThrow(
      /no meta graph with tags \[train\]; the tag-sets are \[serve\]/,
    );
    const m = await loadSavedModel(join(DEPLOY, 'saved_model_tf1'), { backend: 'cpu' });
    try {
      await expect(m.run('nope', {})).rejects.toThrow(/no signature 'nope'/);
      await expect(m.run('serving_default', {})).rejects.toThrow(/needs input 'ids'/);
    } finally {
      m.close();
    }
  });
});
