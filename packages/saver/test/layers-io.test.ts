import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BundleReader } from '@tensorgraft/bundle-io';
import { latestCheckpoint, loadCheckpointWeights, readObjectCheckpoint, tfCheckpoint } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, tempDir } from './helpers.js';

await tf.setBackend('cpu');
const TF2 = readJson(join(FIXTURES, 'saver', 'tf2.json'));
const KERAS_PREFIX = join(FIXTURES, 'saver', TF2.prefix);

/** The tfjs twin of the fixture's Keras model (Input 4 -> Dense d1 relu 3 -> Dense d2 2). */
function functionalModel(seed = 1) {
  const x = tf.input({ shape: [4], name: 'x' });
  const h = tf.layers
    .dense({ units: 3, activation: 'relu', name: 'd1', kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(x);
  const y = tf.layers.dense({ units: 2, name: 'd2', biasInitializer: 'ones' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'mlp' });
}

function predict(model: tf.LayersModel, input: number[]) {
  return tf.tidy(() => (model.predict(tf.tensor2d(input, [input.length / 4, 4])) as tf.Tensor).dataSync());
}

describe('TensorFlow.js LayersModel and TensorFlow checkpoints', () => {
  it("a Keras model's tf.train.Checkpoint loads into the equivalent tfjs model with equal predictions", async () => {
    const model = functionalModel();
    const report = await loadCheckpointWeights(model, KERAS_PREFIX);
    expect(report.assignments.map((a) => a.variable).sort()).toEqual(['d1/bias', 'd1/kernel', 'd2/bias', 'd2/kernel']);
    for (const w of model.weights) expect(Array.from(w.read().dataSync())).toEqual(TF2.weights[w.originalName].values);
    const got = Array.from(predict(model, TF2.input));
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(TF2.predictions[i], 5);
  });

  it('model.save(tfCheckpoint(prefix)) writes Keras 3 object paths; tf.loadLayersModel reads it back', async () => {
    const dir = tempDir();
    const model = functionalModel(7);
    await model.save(tfCheckpoint(join(dir, 'ckpt-1')));
    expect(latestCheckpoint(dir)).toBe(join(dir, 'ckpt-1'));
    const vars = readObjectCheckpoint(join(dir, 'ckpt-1'));
    expect(vars.map((v) => [v.paths[0], v.fullName]).sort()).toEqual([
      ['model/_operations/1/_kernel', 'd1/kernel'],
      ['model/_operations/1/bias', 'd1/bias'],
      ['model/_operations/2/_kernel', 'd2/kernel'],
      ['model/_operations/2/bias', 'd2/bias'],
      ['save_counter', 'save_counter'],
    ]);
    const back = await tf.loadLayersModel(tfCheckpoint(dir));
    expect(Array.from(predict(back, TF2.input))).toEqual(Array.from(predict(model, TF2.input)));
    const twin = functionalModel(99);
    await loadCheckpointWeights(twin, join(dir, 'ckpt-1'));
    expect(Array.from(predict(twin, TF2.input))).toEqual(Array.from(predict(model, TF2.input)));
  });

  it("Sequential models get Keras's Sequential paths; the names layout writes <layer>/<weight> keys", async () => {
    const dir = tempDir();
    const seq = tf.sequential({
      name: 'seq',
      layers: [tf.layers.dense({ inputShape: [4], units: 3, name: 's1' }), tf.layers.dense({ units: 1, name: 's2' })],
    });
    await seq.save(tfCheckpoint(join(dir, 'seq')));
    expect(
      readObjectCheckpoint(join(dir, 'seq'))
        .map((v) => [v.paths[0], v.fullName])
        .sort(),
    ).toEqual([
      ['model/_functional/_operations/1/_kernel', 'seq/s1/kernel'],
      ['model/_functional/_operations/1/bias', 'seq/s1/bias'],
      ['model/_functional/_operations/2/_kernel', 'seq/s2/kernel'],
      ['model/_functional/_operations/2/bias', 'seq/s2/bias'],
      ['save_counter', 'save_counter'],
    ]);
    await seq.save(tfCheckpoint(join(dir, 'names'), { layout: 'names' }));
    const twin = tf.sequential({
      name: 'other',
      layers: [tf.layers.dense({ inputShape: [4], units: 3, name: 's1' }), tf.layers.dense({ units: 1, name: 's2' })],
    });
    const r = await loadCheckpointWeights(twin, join(dir, 'names'));
    expect(r.assignments.map((a) => a.key).sort()).toEqual(['s1/bias', 's1/kernel', 's2/bias', 's2/kernel']);
    expect(Array.from(predict(twin, TF2.input))).toEqual(Array.from(predict(seq, TF2.input)));
  });

  it('typed errors: no sidecar for load(), a mismatching model, a missing directory', async () => {
    await expect(tfCheckpoint(KERAS_PREFIX).load()).rejects.toMatchObject({ code: 'UNSUPPORTED', path: KERAS_PREFIX });
    const x = tf.input({ shape: [5] });
    const wrong = tf.model({
      inputs: x,
      outputs: tf.layers.dense({ units: 3, name: 'd1' }).apply(x) as tf.SymbolicTensor,
    });
    await expect(loadCheckpointWeights(wrong, KERAS_PREFIX)).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
      variable: 'd1/kernel',
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    await expect(functionalModel().save(tfCheckpoint(join(dir, 'file', 'ckpt')))).rejects.toMatchObject({
      code: 'NOT_WRITABLE',
    });
  });

  it('creates missing parent directories, as TensorFlow does for Checkpoint and save_weights', async () => {
    const dir = tempDir();
    const prefix = join(dir, 'out', 'tfjs', 'model.ckpt');
    const model = functionalModel();
    await model.save(tfCheckpoint(prefix));
    expect(existsSync(`${prefix}.index`)).toBe(true);
    const again = functionalModel(2);
    expect(again.getWeights()[0]!.dataSync()).not.toEqual(model.getWeights()[0]!.dataSync());
    await loadCheckpointWeights(again, prefix);
    const a = model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = again.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
  });
});

describe('model.save(tfCheckpoint(prefix), {includeOptimizer: true})', () => {
  async function trained(optimizer: tf.Optimizer) {
    const model = functionalModel();
    model.compile({ optimizer, loss: 'meanSquaredError' });
    await model.fit(tf.ones([2, 4]), tf.ones([2, 2]), { epochs: 2, verbose: 0 });
    return model;
  }

  it("writes Adam's state in Keras 3's layout and loads it back", async () => {
    const model = await trained(tf.train.adam(0.02));
    const prefix = join(tempDir(), 'opt', 'model.ckpt');
    await model.save(tfCheckpoint(prefix), { includeOptimizer: true });
    const ckpt = BundleReader.open(prefix);
    const iterations = ckpt.get('optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE');
    expect([iterations.dtype, Array.from(iterations.data as BigInt64Array)]).toEqual(['int64', [2n]]);
    const lr = ckpt.get('optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE');
    expect(Array.from(lr.data as Float32Array)).toEqual([Math.fround(0.02)]);
    const weights = Object.fromEntries(
      (await model.optimizer.getWeights()).map((w) => [w.name, Array.from(w.tensor.dataSync())]),
    );
    // momentum and velocity of the first trainable variable (d1/kernel) at _variables/2 and /3; this process has
    // built several 'd1' layers, so the slot names carry tfjs' uniquifying suffix
    const slot = (suffix: string) =>
      weights[Object.keys(weights).find((k) => /^d1\/kernel(_\d+)?\//.test(k) && k.endsWith(suffix))!];
    const stored = (k: number) =>
      Array.from(ckpt.get(`optimizer/_variables/${k}/.ATTRIBUTES/VARIABLE_VALUE`).data as Float32Array);
    expect(stored(2)).toEqual(slot('/m'));
    expect(stored(3)).toEqual(slot('/v'));
    ckpt.close();
    const back = await tf.loadLayersModel(tfCheckpoint(prefix));
    const again = Object.fromEntries(
      (await back.optimizer.getWeights()).map((w) => [w.name, Array.from(w.tensor.dataSync())]),
    );
    expect(again).toEqual(weights);
  });

  it('names an optimizer it has no Keras layout for', async () => {
    const model = await trained(tf.train.rmsprop(0.01));
    await expect(
      model.save(tfCheckpoint(join(tempDir(), 'model.ckpt')), { includeOptimizer: true }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('RMSProp') });
  });
});
