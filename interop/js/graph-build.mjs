// Live check, our side: builds an MLP (ref variables) and a small CNN (resource variables) with GraphBuilder,
// initializes them with our Session, saves through the graph's own save op (SaveV2 on @tensorgraft/bundle-io),
// exports the MetaGraphDef, and prints our outputs for fixed inputs as JSON.
// Usage: node graph-build.mjs OUT_DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  addSaverOps,
  exportMetaGraph,
  Graph,
  GraphBuilder,
  metaGraphToText,
  Session,
  serializeMetaGraph,
} from '@tensorgraft/graph';

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
const graph = new Graph();
const b = new GraphBuilder(graph);

// MLP: x [?, 6] -> dense(10, relu) -> dense(4) -> softmax
const x = b.placeholder('float32', [null, 6], 'x');
let h = x;
const sizes = [6, 10, 4];
for (let i = 0; i < 2; i++) {
  h = b.nameScope(i === 0 ? 'dense' : 'dense_1', () => {
    const w = b.variable('kernel', [sizes[i], sizes[i + 1]], { randomNormal: { stddev: 0.5, seed: 3 + i } });
    const bias = b.variable('bias', [sizes[i + 1]], {
      constant: Array.from({ length: sizes[i + 1] }, (_, k) => 0.1 * k - 0.2),
    });
    const y = b.biasAdd(b.matmul(h, w.value), bias.value);
    return i === 0 ? b.relu(y) : y;
  });
}
const probs = b.softmax(h, 'probs');

// CNN: images [?, 8, 8, 2] -> conv 3x3x2x4 SAME + bias, relu6 -> maxpool 2 -> reshape -> dense(3) -> mean over batch
const images = b.placeholder('float32', [null, 8, 8, 2], 'images');
const conv = b.nameScope('conv', () => {
  const w = b.variable('weights', [3, 3, 2, 4], { randomNormal: { stddev: 0.3, seed: 7 } }, { resource: true });
  const bias = b.variable('biases', [4], { zeros: true }, { resource: true });
  return b.relu6(b.add(b.conv2d(images, w, [1, 1], 'SAME'), bias));
});
const pooled = b.maxPool(conv, 2, 2, 'VALID', 'pool');
const flat = b.reshape(pooled, [-1, 4 * 4 * 4]);
const logits = b.nameScope('fc', () => {
  const w = b.variable('weights', [64, 3], { randomNormal: { stddev: 0.2, seed: 11 } }, { resource: true });
  return b.matmul(flat, w, { name: 'logits' });
});
const mean = b.reduceMean(logits, [0], false, 'mean');
const init = b.globalVariablesInitializer();
const saverDef = addSaverOps(graph);

const session = new Session(graph);
await session.run(init);
const prefix = join(dir, 'model.ckpt');
await session.run(saverDef.save_tensor_name, { [saverDef.filename_tensor_name]: prefix });
const meta = exportMetaGraph(graph, { saverDef });
writeFileSync(`${prefix}.meta`, serializeMetaGraph(meta));
writeFileSync(`${prefix}.meta.pbtxt`, metaGraphToText(meta));

const xs = Array.from({ length: 3 * 6 }, (_, i) => Math.sin(i * 0.7));
const ims = Array.from({ length: 2 * 8 * 8 * 2 }, (_, i) => Math.cos(i * 0.13));
const fetched = await session.run([probs, logits, mean], {
  [x]: tf.tensor(xs, [3, 6]),
  [images]: tf.tensor(ims, [2, 8, 8, 2]),
});
const outputs = {};
for (const [k, name] of [probs, logits, mean].entries())
  outputs[name] = { shape: fetched[k].shape, values: Array.from(await fetched[k].data()) };
const variables = {};
for (const v of b.variables) {
  const t = await session.run(v.value);
  variables[v.name] = Array.from(await t.data());
}
console.log(
  JSON.stringify({
    prefix,
    backend: session.backend,
    inputs: { [x]: { shape: [3, 6], values: xs }, [images]: { shape: [2, 8, 8, 2], values: ims } },
    outputs,
    variables,
    saver: {
      filename: saverDef.filename_tensor_name,
      save: saverDef.save_tensor_name,
      restore: saverDef.restore_op_name,
    },
  }),
);
session.close();
