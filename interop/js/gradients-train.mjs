// Live check, our side: builds a small CNN classifier with GraphBuilder, adds an optimizer's training ops with
// minimize() (and TensorFlow's global_step), initializes, saves the initial values through the graph's save op,
// exports the MetaGraphDef, then runs STEPS training steps on fixed batches. Prints the batches and every global
// variable's value after the steps as JSON, for TensorFlow to replay from the same checkpoint.
// Usage: node gradients-train.mjs OUT_DIR gradientdescent|momentum|adam|rmsprop|adagrad ref|resource STEPS
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdagradOptimizer,
  AdamOptimizer,
  addSaverOps,
  exportMetaGraph,
  GradientDescentOptimizer,
  Graph,
  GraphBuilder,
  getOrCreateGlobalStep,
  MomentumOptimizer,
  RMSPropOptimizer,
  Session,
  serializeMetaGraph,
} from '@tensorgraft/graph';

const [dir, kind, vars, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const resource = vars === 'resource';
mkdirSync(dir, { recursive: true });
const graph = new Graph();
const b = new GraphBuilder(graph);
const F = 1; // DT_FLOAT

const images = b.placeholder('float32', [4, 6, 6, 2], 'images');
const labels = b.placeholder('float32', [4, 3], 'labels');
const conv = b.nameScope('conv', () => {
  const w = b.variable('kernel', [3, 3, 2, 3], { randomNormal: { stddev: 0.4, seed: 5 } }, { resource });
  const bias = b.variable('bias', [3], { constant: [0.05, -0.05, 0.1] }, { resource });
  return b.relu(b.biasAdd(b.conv2d(images, w, [1, 1], 'SAME'), bias));
});
const pooled = b.maxPool(conv, 2, 2, 'VALID', 'pool');
const flat = b.reshape(pooled, [4, 27]);
const logits = b.nameScope('dense', () => {
  const w = b.variable('kernel', [27, 3], { randomNormal: { stddev: 0.3, seed: 9 } }, { resource });
  const bias = b.variable('bias', [3], { zeros: true }, { resource });
  return b.add(b.matmul(flat, w), bias);
});
const xent = b.op('SoftmaxCrossEntropyWithLogits', [logits, labels], { T: { type: F } }, 'xent');
const loss = b.reduceMean(`${xent.name}:0`, [0], false, 'loss');
const globalStep = getOrCreateGlobalStep(b);
const optimizers = {
  gradientdescent: () => new GradientDescentOptimizer(b, { learningRate: 0.2 }),
  momentum: () => new MomentumOptimizer(b, { learningRate: 0.1, momentum: 0.9 }),
  adam: () => new AdamOptimizer(b, { learningRate: 0.02 }),
  rmsprop: () => new RMSPropOptimizer(b, { learningRate: 0.01, momentum: 0.5 }),
  adagrad: () => new AdagradOptimizer(b, { learningRate: 0.1 }),
};
const optimizer = optimizers[kind]();
const train = optimizer.minimize(loss, { globalStep });
const init = b.globalVariablesInitializer();
const saverDef = addSaverOps(graph);

const session = new Session(graph);
await session.run(init);
const prefix = join(dir, 'init.ckpt');
await session.run(saverDef.save_tensor_name, { [saverDef.filename_tensor_name]: prefix });
writeFileSync(`${prefix}.meta`, serializeMetaGraph(exportMetaGraph(graph, { saverDef })));

// four fixed batches, used in turn
const batches = Array.from({ length: 4 }, (_, k) => ({
  images: Array.from({ length: 4 * 6 * 6 * 2 }, (_, i) => Math.sin(0.37 * i + k)),
  labels: Array.from({ length: 12 }, (_, i) => (i % 3 === (Math.floor(i / 3) + k) % 3 ? 1 : 0)),
}));
const losses = [];
for (let s = 0; s < steps; s++) {
  const batch = batches[s % 4];
  const feeds = { [images]: tf.tensor(batch.images, [4, 6, 6, 2]), [labels]: tf.tensor(batch.labels, [4, 3]) };
  const [l] = await session.run([loss, train], feeds);
  losses.push(l.dataSync()[0]);
  l.dispose();
  for (const t of Object.values(feeds)) t.dispose();
}
const variables = {};
for (const v of b.variables) {
  const t = await session.run(v.value);
  variables[v.name] = Array.from(await t.data());
  t.dispose();
}
session.close();
console.log(JSON.stringify({ prefix, train, images, labels, loss, batches, losses, variables }));
