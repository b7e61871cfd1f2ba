// A TensorFlow.js model saved as a TensorFlow checkpoint that Keras (TensorFlow backend) restores with
// tf.train.Checkpoint(model=model).restore(prefix), then loaded back into TensorFlow.js from that checkpoint.
// Usage: tfjs-to-checkpoint [OUT_DIR=out/tfjs]
import { mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { BundleReader } from '@tensorgraft/bundle-io';
import { tfCheckpoint } from '@tensorgraft/saver';

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? 'out/tfjs';
  mkdirSync(outDir, { recursive: true });

  // y = x0 + x1 - x2 - x3, learnt for a few epochs
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const xs = tf.randomUniform([64, 4], -1, 1);
  const ys = xs.matMul(tf.tensor2d([[1], [1], [-1], [-1]]));
  await model.fit(xs, ys, { epochs: 20, verbose: 0 });

  const prefix = `${outDir}/model.ckpt`;
  await model.save(tfCheckpoint(prefix));

  // What TensorFlow finds in it: the weights under Keras's object paths
  const reader = BundleReader.open(prefix);
  for (const entry of reader.entries()) console.log(`${entry.name} ${entry.dtype} [${entry.shape.join(', ')}]`);
  reader.close();

  const input = [[0.5, -0.25, 0.75, -1]];
  const prediction = (model.predict(tf.tensor2d(input)) as tf.Tensor).arraySync();
  const restored = await tf.loadLayersModel(tfCheckpoint(prefix));
  const again = (restored.predict(tf.tensor2d(input)) as tf.Tensor).arraySync();
  console.log(`input: ${JSON.stringify(input)}`);
  console.log(`prediction: ${JSON.stringify(prediction)}`);
  console.log(`prediction of the model loaded back from ${prefix}: ${JSON.stringify(again)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
