// tf.loadLayersModel(tfCheckpointAt(url, { like })): a Keras-written tf.train.Checkpoint served over HTTP with Range
// support loads into the tfjs twin of its model with Keras' weights and predictions; the browser entry point bundles
// with no Node built-in.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tfCheckpointAt } from '@tensorgraft/saver/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RangeServer, startRangeServer } from '../../bundle-io/test/range-server.js';
import { FIXTURES, readJson } from './helpers.js';

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

  it('bundles for the browser with no Node built-in', async () => {
    const script = new URL('../../../scripts/check-browser-bundles.mjs', import.meta.url).href;
    const { checkBrowserBundle } = (await import(script)) as {
      checkBrowserBundle: (entry: string) => Promise<{ reached: string[] }>;
    };
    expect((await checkBrowserBundle('packages/saver/dist/browser.js')).reached).toEqual([]);
  });
});
