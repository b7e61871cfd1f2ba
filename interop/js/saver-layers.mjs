// TensorFlow.js LayersModel <-> TensorFlow checkpoints, for interop/tests/test_saver.py.
//   node saver-layers.mjs save <kind> <prefix> <input.json>   builds the tfjs model (kind: functional|sequential),
//        saves it with model.save(tfCheckpoint(prefix)), prints {weights: {name: values}, predictions}
//   node saver-layers.mjs load <kind> <prefix> <input.json>   builds the model, loadCheckpointWeights(model, prefix),
//        prints the same
// functional: Input 4 -> Dense d1 (relu, 3) -> Dense d2 (2), model name 'mlp'
// sequential: Dense s1 (tanh, 5, input 4) -> Dense s2 (1), model name 'seq'
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpointWeights, tfCheckpoint } from '@tensorgraft/saver';

await tf.setBackend('cpu');
const [cmd, kind, prefix, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));

function build() {
  if (kind === 'sequential') {
    return tf.sequential({
      name: 'seq',
      layers: [
        tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh', name: 's1', biasInitializer: 'randomNormal' }),
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
if (cmd === 'save') await model.save(tfCheckpoint(prefix));
else if (cmd === 'load') await loadCheckpointWeights(model, prefix);
else throw new Error(`unknown command ${cmd}`);
const predictions = tf.tidy(() => Array.from(model.predict(tf.tensor2d(input, [input.length / 4, 4])).dataSync()));
const weights = Object.fromEntries(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
console.log(JSON.stringify({ weights, predictions }));
