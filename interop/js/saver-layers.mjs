// TensorFlow.js LayersModel <-> TensorFlow checkpoints, for interop/tests/test_saver.py.
//   node saver-layers.mjs save <kind> <prefix> <input.json>   builds the tfjs model (kind: functional|sequential),
//        saves it with model.save(tfCheckpoint(prefix)), prints {weights: {name: values}, predictions}
//   node saver-layers.mjs load <kind> <prefix> <input.json>   builds the model, loadCheckpointWeights(model, prefix),
//        prints the same
// functional: Input 4 -> Dense d1 (relu, 3) -> Dense d2 (2), model name 'mlp'
// sequential: Dense s1 (tanh, 5, input 4) -> Dense s2 (1), model name 'seq'
// conv:       Input 4 -> Reshape 2x2x1 -> Conv2D c (3, 2x2, same) -> BatchNormalization bn -> Flatten -> Dense d (2)
// rnn:        Input 4 -> Reshape 4x1 -> LSTM lstm (3, sigmoid recurrent activation) -> Dense out (1)
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpointWeights, tfCheckpoint } from '@tensorgraft/saver';

await tf.setBackend('cpu');
const [cmd, kind, prefix, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));

function build() {
  if (kind === 'conv') {
    const x = tf.input({ shape: [4], name: 'x' });
    let h = tf.layers.reshape({ targetShape: [2, 2, 1] }).apply(x);
    h = tf.layers
      .conv2d({ filters: 3, kernelSize: 2, padding: 'same', name: 'c', biasInitializer: 'randomNormal' })
      .apply(h);
    h = tf.layers
      .batchNormalization({ name: 'bn', gammaInitializer: 'randomUniform', movingMeanInitializer: 'randomNormal' })
      .apply(h);
    h = tf.layers.flatten().apply(h);
    return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2, name: 'd' }).apply(h), name: 'convnet' });
  }
  if (kind === 'rnn') {
    const x = tf.input({ shape: [4], name: 'x' });
    let h = tf.layers.reshape({ targetShape: [4, 1] }).apply(x);
    h = tf.layers
      .lstm({ units: 3, name: 'lstm', recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' })
      .apply(h);
    return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 1, name: 'out' }).apply(h), name: 'rnn' });
  }
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
