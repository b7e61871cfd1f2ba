// Live check, our side of tests/test_slim_vgg_train.py: imports a TensorFlow-written VGG training meta graph,
// restores PREFIX, runs the `train_op` collection's op SPEC.steps times (fetching SPEC.loss), saves every variable to
// OUT_PREFIX through the graph's own saver, and prints as JSON the losses, the step times and the peak memory: the
// process's resident set, the WebAssembly heap's size (it only grows, so its final size is its peak) and the most
// tensor bytes live in the backend during a step (Session.lastRunMemory).
// Usage: node vgg-train.mjs META PREFIX SPEC_JSON_FILE OUT_PREFIX
// SPEC: {feeds: {tensor: {dtype, shape, values}}, loss: tensor, steps: n}
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';

const [meta, prefix, specFile, outPrefix] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const graph = new Graph();
const { saverDef } = importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta }));
const session = new Session(graph);
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const feeds = () =>
  Object.fromEntries(Object.entries(spec.feeds).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
const [trainOp] = graph.getCollection('train_op');
const losses = [];
const stepMs = [];
let peakLive = 0;
for (let s = 0; s < spec.steps; s++) {
  const t0 = performance.now();
  const [, loss] = await session.run([trainOp.name, spec.loss], feeds());
  losses.push((await loss.data())[0]);
  loss.dispose();
  stepMs.push(performance.now() - t0);
  peakLive = Math.max(peakLive, session.lastRunMemory?.peakBytes ?? 0);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
clearInterval(sampler);
await session.run(saverDef.save_tensor_name, { [saverDef.filename_tensor_name]: outPrefix });
const wasm = tf.backend().wasm;
console.log(
  JSON.stringify({
    backend: session.backend,
    losses,
    stepMs,
    peakRssBytes: peakRss,
    peakLiveBytes: peakLive,
    wasmHeapBytes: wasm ? wasm.HEAPU8.length : null,
  }),
);
session.close();
