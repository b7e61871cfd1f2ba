// Live check, our side of tests/test_slim.py: imports a TensorFlow-written meta graph, restores PREFIX through its own
// save/restore_all, feeds SPEC.feeds, fetches SPEC.fetch once, then runs the `train_op` collection's op SPEC.steps
// times (fetching SPEC.loss each step), and prints as JSON the fetched values, the losses, every global variable's
// value after the steps (by op name) and the timings.
// Usage: node slim-run.mjs META PREFIX SPEC_JSON_FILE
// SPEC: {feeds: {tensor: {dtype, shape, values}}, fetch: [tensor...], loss: tensor | null, steps: n}
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';

const [meta, prefix, specFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const graph = new Graph();
const { saverDef } = importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta }));
const session = new Session(graph);
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });
const feeds = () =>
  Object.fromEntries(Object.entries(spec.feeds).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
const values = async (t) => Array.from(await t.data(), Number);

const t0 = Date.now();
const fetched = {};
const got = await session.run(spec.fetch, feeds());
for (const [k, name] of spec.fetch.entries()) fetched[name] = await values(got[k]);
const t1 = Date.now();
const losses = [];
const [trainOp] = graph.getCollection('train_op');
for (let s = 0; s < spec.steps; s++) {
  const [, loss] = await session.run([trainOp.name, spec.loss], feeds());
  losses.push((await values(loss))[0]);
}
const t2 = Date.now();
const variables = {};
for (const item of graph.getCollection('variables')) {
  if (item.kind !== 'variable') continue;
  const name = item.def.variable_name.replace(/:\d+$/, '');
  variables[name] = await values(await session.run(item.def.snapshot_name));
}
console.log(
  JSON.stringify({
    backend: session.backend,
    fetched,
    losses,
    variables,
    ms: { forward: t1 - t0, steps: t2 - t1 },
  }),
);
session.close();
