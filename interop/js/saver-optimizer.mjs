// A tfjs model trained with Adam, saved with its optimizer state, for interop/tests/test_saver.py.
//   node saver-optimizer.mjs <kind> <prefix> <input.json>   builds the model (kind as in saver-layers.mjs: functional
//        or sequential), trains 3 steps with adam(0.01), saves with model.save(tfCheckpoint(prefix),
//        {includeOptimizer: true}), loads it back with tf.loadLayersModel(tfCheckpoint(prefix)); prints
//        {weights, optimizer: {name: values}, reloaded: {name: values}}
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { tfCheckpoint } from '@tensorgraft/saver';

await tf.setBackend('cpu');
const [kind, prefix, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));

function build() {
  if (kind === 'sequential') {
    return tf.sequential({
      name: 'seq',
      layers: [
        tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh', name: 's1' }),
        tf.layers.dense({ units: 1, name: 's2' }),
      ],
    });
  }
  const x = tf.input({ shape: [4], name: 'x' });
  const h = tf.layers.dense({ units: 3, activation: 'relu', name: 'd1', biasInitializer: 'randomNormal' }).apply(x);
  const y = tf.layers.dense({ units: 2, name: 'd2', biasInitializer: 'randomNormal' }).apply(h);
  return tf.model({ inputs: x, outputs: y, name: 'mlp' });
}

const model = build();
model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
const xs = tf.tensor2d(input, [input.length / 4, 4]);
const ys = tf.ones([input.length / 4, model.outputs[0].shape[1]]);
await model.fit(xs, ys, { epochs: 3, batchSize: 64, verbose: 0 });
await model.save(tfCheckpoint(prefix), { includeOptimizer: true });
const named = async (m) =>
  Object.fromEntries((await m.optimizer.getWeights()).map((w) => [w.name, Array.from(w.tensor.dataSync())]));
const reloaded = await tf.loadLayersModel(tfCheckpoint(prefix));
const weights = Object.fromEntries(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
console.log(JSON.stringify({ weights, optimizer: await named(model), reloaded: await named(reloaded) }));
