// tf.loadLayersModel(tfCheckpointAt(url, { like })): a Keras-written tf.train.Checkpoint served over HTTP with Range
// support loads into the tfjs twin of its model with Keras' weights and predictions; the browser entry point bundles
// with no Node built-in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkpointBlobs, memoryObject } from '@tensorgraft/bundle-io/browser';
import { tfCheckpoint } from '@tensorgraft/saver';
import { tfCheckpointAt } from '@tensorgraft/saver/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RangeServer, startRangeServer } from '../../bundle-io/test/range-server.js';
import { FIXTURES, readJson, tempDir } from './helpers.js';

await tf.setBackend('cpu');
const TF2 = readJson(join(FIXTURES, 'saver', 'tf2.json'));

/** The tfjs twin of the fixture's Keras model (Input 4 -> Dense d1 relu 3 -> Dense d2 2). */
function functionalModel() {
  const x = tf.input({ shape: [4], name: 'x' });
  const h = tf.layers.dense({ units: 3, activation: 'relu', name: 'd1' }).apply(x);
  const y = tf.layers.dense({ units: 2, name: 'd2' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'mlp' });
}

let server: RangeServer;
beforeAll(async () => {
  server = await startRangeServer(join(FIXTURES, 'saver'));
});
afterAll(() => server.close());

describe('tfCheckpointAt', () => {
  it("loads a Keras checkpoint by URL into a tfjs model with Keras' weights and predictions", async () => {
    const before = server.bytesSent();
    const model = await tf.loadLayersModel(tfCheckpointAt(`${server.url}/${TF2.prefix}`, { like: functionalModel() }));
    for (const w of model.weights) expect(Array.from(w.read().dataSync())).toEqual(TF2.weights[w.originalName].values);
    const got = tf.tidy(() => (model.predict(tf.tensor2d(TF2.input, [3, 4])) as tf.Tensor).dataSync());
    for (const [i, v] of Array.from(got).entries()) expect(v).toBeCloseTo(TF2.predictions[i], 5);
    expect(server.bytesSent() - before).toBeGreaterThan(0);
  });

  it('names the weight the checkpoint lacks or disagrees on, and the URL it cannot read', async () => {
    const x = tf.input({ shape: [4], name: 'x' });
    const y = tf.layers.dense({ units: 2, name: 'other' }).apply(x) as tf.SymbolicTensor;
    const wrong = tf.model({ inputs: x, outputs: y, name: 'm' });
    await expect(tfCheckpointAt(`${server.url}/${TF2.prefix}`, { like: wrong }).load()).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
      variable: 'other/kernel',
      message: expect.stringContaining('weight shape [4,2], checkpoint tensor'),
    });
    const twin = functionalModel();
    const deeper = tf.model({
      inputs: twin.inputs,
      outputs: tf.layers.dense({ units: 1, name: 'd3' }).apply(twin.outputs[0]!) as tf.SymbolicTensor,
    });
    await expect(tfCheckpointAt(`${server.url}/${TF2.prefix}`, { like: deeper }).load()).rejects.toMatchObject({
      code: 'MISSING_VARIABLE',
      variable: 'd3/kernel',
    });
    await expect(tfCheckpointAt(`${server.url}/nothing`, { like: wrong }).load()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      path: `${server.url}/nothing.index`,
    });
  });

  it("model.save(tfCheckpointAt('mem://...')) writes tfCheckpoint's bytes, and loads back", async () => {
    const model = functionalModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    await model.fit(tf.ones([2, 4]), tf.ones([2, 2]), { epochs: 1, verbose: 0 });
    for (const layout of ['keras', 'names'] as const) {
      const at = `mem://saved-${layout}/model.ckpt`;
      const prefix = join(tempDir(), layout, 'model.ckpt');
      const info = await model.save(tfCheckpointAt(at, { layout }), { includeOptimizer: layout === 'keras' });
      await model.save(tfCheckpoint(prefix, { layout }), { includeOptimizer: layout === 'keras' });
      expect(info.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
      for (const suffix of ['.index', '.data-00000-of-00001']) {
        const mem = memoryObject(at + suffix)!;
        expect(Buffer.from(mem).equals(readFileSync(prefix + suffix))).toBe(true);
      }
      const blobs = checkpointBlobs(at);
      expect(blobs.files.map((f) => f.name)).toEqual(['model.ckpt.index', 'model.ckpt.data-00000-of-00001']);
    }
    const back = await tf.loadLayersModel(tfCheckpointAt('mem://saved-keras/model.ckpt', { like: functionalModel(7) }));
    for (const [i, w] of back.weights.entries())
      expect(Array.from(w.read().dataSync())).toEqual(Array.from(model.weights[i]!.read().dataSync()));
  });

  it('refuses bad options, a read-only location and a load with no model, with typed errors', async () => {
    expect(() => tfCheckpointAt('mem://x/m', { layout: 'flat' } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('layout') }),
    );
    await expect(tfCheckpointAt('mem://x/m').load()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(functionalModel().save(tfCheckpointAt(`${server.url}/ro/model.ckpt`))).rejects.toMatchObject({
      code: 'NOT_WRITABLE',
      path: `${server.url}/ro/model.ckpt`,
    });
    expect(memoryObject('mem://x/m.index')).toBeUndefined();
  });

  it('bundles for the browser with no Node built-in', async () => {
    const script = new URL('../../../scripts/check-browser-bundles.mjs', import.meta.url).href;
    const { checkBrowserBundle } = (await import(script)) as {
      checkBrowserBundle: (entry: string) => Promise<{ reached: string[] }>;
    };
    expect((await checkBrowserBundle('packages/saver/dist/browser.js')).reached).toEqual([]);
  });
});
