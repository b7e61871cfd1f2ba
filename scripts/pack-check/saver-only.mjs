// In a project that installed the saver without @tensorgraft/graph (an optional peer): the root entry point loads and
// saves a TensorFlow.js model, nothing of the graph runtime was installed, and `@tensorgraft/saver/graph` says what
// is missing. Run from that project's directory.
import { existsSync, mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { latestCheckpoint, tfCheckpoint } from '@tensorgraft/saver';

for (const absent of ['@tensorgraft/graph', '@tensorflow/tfjs-backend-wasm'])
  if (existsSync(`node_modules/${absent}`)) throw new Error(`${absent} was installed with the saver alone`);

const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
mkdirSync('ckpt', { recursive: true });
await model.save(tfCheckpoint('ckpt/model.ckpt'));
if (latestCheckpoint('ckpt') !== 'ckpt/model.ckpt') throw new Error(`latest checkpoint: ${latestCheckpoint('ckpt')}`);
const loaded = await tf.loadLayersModel(tfCheckpoint('ckpt'));
const x = tf.tensor2d([[1, 2, 3]]);
const [a, b] = [model, loaded].map((m) => Array.from(m.predict(x).dataSync()));
if (a.join() !== b.join()) throw new Error(`loaded model predicts ${b}, saved one ${a}`);

try {
  await import('@tensorgraft/saver/graph');
  throw new Error('@tensorgraft/saver/graph loaded without @tensorgraft/graph');
} catch (err) {
  if (err.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('@tensorgraft/graph')) throw err;
}
console.log(
  'saver alone: root entry saves and loads a tfjs model; graph runtime not installed; ./graph names what is missing',
);
