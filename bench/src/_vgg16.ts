// VGG-16 as TF-slim's vgg_16 builds it (ref variables, Conv2D + BiasAdd + Relu, MaxPool, fc layers as convolutions),
// with seeded random weights assigned to a Session: the net the graph benches time against TensorFlow.
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, Session, type SessionOptions } from '@tensorgraft/graph';

const BLOCKS: [number, number][] = [
  [2, 64],
  [2, 128],
  [3, 256],
  [3, 512],
  [3, 512],
];

export interface Vgg16 {
  session: Session;
  input: string;
  logits: string;
  parameters: number;
}

export async function vgg16(options: SessionOptions = {}): Promise<Vgg16> {
  const graph = new Graph();
  const b = new GraphBuilder(graph);
  const weights: { name: string; shape: number[]; limit: number }[] = [];
  const x = b.placeholder('float32', [null, 224, 224, 3], 'inputs');
  let h = x;
  const conv = (scope: string, k: number, cin: number, cout: number, padding: 'SAME' | 'VALID', relu: boolean) => {
    h = b.nameScope(scope, () => {
      const w = b.variable('weights', [k, k, cin, cout], { zeros: true });
      const bias = b.variable('biases', [cout], { zeros: true });
      const limit = Math.sqrt(6 / (k * k * cin + cout));
      weights.push({ name: w.name, shape: [k, k, cin, cout], limit }, { name: bias.name, shape: [cout], limit: 0.01 });
      const y = b.biasAdd(b.conv2d(h, w.value, [1, 1], padding), bias.value);
      return relu ? b.relu(y) : y;
    });
  };
  b.nameScope('vgg_16', () => {
    let cin = 3;
    BLOCKS.forEach(([n, c], i) => {
      b.nameScope(`conv${i + 1}`, () => {
        for (let j = 1; j <= n; j++) {
          conv(`conv${i + 1}_${j}`, 3, cin, c, 'SAME', true);
          cin = c;
        }
      });
      h = b.maxPool(h, 2, 2, 'VALID', `pool${i + 1}`);
    });
    conv('fc6', 7, 512, 4096, 'VALID', true);
    conv('fc7', 1, 4096, 4096, 'SAME', true);
    conv('fc8', 1, 4096, 1000, 'SAME', false);
    h = b.squeeze(h, [1, 2], 'fc8/squeezed');
  });
  const session = new Session(graph, options);
  await session.ready();
  // made on the session's backend (after ready), one at a time: 138M parameters are 528 MiB
  let parameters = 0;
  weights.forEach(({ name, shape, limit }, seed) => {
    const t = tf.randomUniform(shape, -limit, limit, 'float32', seed + 1);
    session.assignVariable(name, t);
    parameters += t.size;
    t.dispose();
  });
  return { session, input: x, logits: h, parameters };
}
