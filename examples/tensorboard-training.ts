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
  const losses: number[] = [];
  for (let step = 0; step < 40; step++) {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor), true);
    if (!loss) throw new Error('minimize returned no loss');
    const value = (await loss.data())[0];
    writer.scalar('loss', value, step);
    losses.push(value);
    loss.dispose();
  }
  const kernel = model.getWeights()[0];
  writer.histogram('dense/kernel', await kernel.data(), 39);
  await writer.close();

  console.log(`losses: ${JSON.stringify(losses)}`);

  // read the log back as TensorBoard will (scalars are stored as float32)
  let logged = 0;
  for (const { event } of iterateEvents(logdir))
    for (const value of eventValues(event)) if (value.tag === 'loss') logged++;
  console.log(`${logged} loss values in ${logdir}; see them with: tensorboard --logdir ${logdir}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
