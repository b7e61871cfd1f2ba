// Live check: imports a TensorFlow-written training meta graph (fixtures/training/<model>), restores its step-0
// checkpoint, runs the `train_op` collection's op on the fixture's batches, and saves with the graph's own save op at
// each step listed in SAVE_AT (OUT/model.ckpt-<step>). Prints the losses, the saved prefixes and the backend as JSON.
// Usage: node training-run.mjs MODEL_DIR OUT STEPS SAVE_AT_JSON
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';

const [dir, out, stepsArg, saveAtJson] = process.argv.slice(2);
const steps = Number(stepsArg);
const saveAt = new Set(JSON.parse(saveAtJson));
const e = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const bin = readFileSync(join(dir, 'x.bin'));
const xs = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
const meta = join(dir, 'model.ckpt-0.meta');
const graph = new Graph();
const { saverDef } = importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta }));
const [trainOp] = graph.getCollection('train_op');
const session = new Session(graph);
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: join(dir, 'model.ckpt-0') });
const per = e.x_shape.reduce((p, d) => p * d, 1);
const losses = [];
const saved = {};
for (let k = 0; k < steps; k++) {
  const x = tf.tensor(xs.subarray(k * per, (k + 1) * per), e.x_shape);
  const labels = tf.tensor1d(e.labels[k], 'int32');
  const y = e.one_hot ? tf.cast(tf.oneHot(labels, 10), 'float32') : labels;
  const [, loss] = await session.run([trainOp.name, e.loss], { [e.x]: x, [e.y]: y });
  losses.push(loss.dataSync()[0]);
  tf.dispose([x, labels, y, loss]);
  if (saveAt.has(k + 1)) {
    const prefix = join(out, `model.ckpt-${k + 1}`);
    await session.run(saverDef.save_tensor_name, { [saverDef.filename_tensor_name]: prefix });
    saved[k + 1] = prefix;
  }
}
console.log(JSON.stringify({ backend: session.backend, cpuFallbackOps: session.cpuFallbackOps, losses, saved }));
session.close();
