// A TensorFlow.js training loop logged to TensorBoard: the loss of every step as a scalar, the weights as a
// histogram at the end. See it with `tensorboard --logdir LOGDIR`.
// Usage: tensorboard-training [LOGDIR=out/logs]
import * as tf from '@tensorflow/tfjs';
import { eventValues, iterateEvents, SummaryWriter } from '@tensorgraft/events-writer';

async function main(): Promise<void> {
  const logdir = process.argv[2] ?? 'out/logs';
  const writer = new SummaryWriter(`${logdir}/train`);

  // fit y = 2x + 1
  const xs = tf.linspace(-1, 1, 32).reshape([32, 1]);
  const ys = xs.mul(2).add(1);
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
  const optimizer = tf.train.sgd(0.2);
  for (let step = 0; step < 40; step++) {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor), true);
    if (!loss) throw new Error('minimize returned no loss');
    writer.scalar('loss', (await loss.data())[0], step);
    loss.dispose();
  }
  const kernel = model.getWeights()[0];
  writer.histogram('dense/kernel', await kernel.data(), 39);
  await writer.close();

  // read the log back as TensorBoard will
  const losses: number[] = [];
  for (const { event } of iterateEvents(logdir))
    for (const value of eventValues(event)) if (value.tag === 'loss') losses.push(value.value as number);
  console.log(`logged ${losses.length} loss values to ${logdir}`);
  console.log(`losses: ${JSON.stringify(losses)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
