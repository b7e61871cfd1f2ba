// Live check, our side of tests/test_slim.py: imports a TensorFlow-written meta graph, restores PREFIX through its own
// save/restore_all, feeds SPEC.feeds, fetches SPEC.fetch once, then runs the `train_op` collection's op SPEC.steps
// times (fetching SPEC.loss each step), and prints as JSON the fetched values, the losses, every global variable's
// value after the steps (by op name; float64, raw, into SPEC.variablesFile when the spec names one: zoo-sized nets
// overflow a JSON string, with their byte ranges in `variables`), the timings, and how our static shapes compare with the `_output_shapes`
// TensorFlow wrote (every dimension we infer must be TensorFlow's).
// Usage: node slim-run.mjs META PREFIX SPEC_JSON_FILE
// SPEC: {feeds: {tensor: {dtype, shape, values}}, fetch: [tensor...], loss: tensor | null, steps: n, again?: n,
//        variablesFile?: path}
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, inferOutputShapes, parseMetaGraph, Session, shapeFromProto } from '@tensorgraft/graph';

const [meta, prefix, specFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const graph = new Graph();
const metaGraph = parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta });
const { saverDef } = importMetaGraph(graph, metaGraph);
const ours = inferOutputShapes(graph);
const shapes = { total: 0, compared: 0, mismatches: [] };
for (const node of metaGraph.graph_def?.node ?? []) {
  (node.attr?._output_shapes?.list?.shape ?? []).forEach((s, k) => {
    shapes.total++;
    const mine = ours.get(node.name)?.[k];
    if (mine === null || mine === undefined) return;
    const theirs = shapeFromProto(s);
    shapes.compared++;
    // a dimension we leave unknown is fine (TensorFlow accepts it); a known one must be TensorFlow's
    const differs = theirs === null || mine.length !== theirs.length || mine.some((d, i) => d >= 0 && d !== theirs[i]);
    if (differs) shapes.mismatches.push([node.name, node.op, k, mine, theirs]);
  });
}
const session = new Session(graph);
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });
const feeds = () =>
  Object.fromEntries(Object.entries(spec.feeds).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
const values = async (t) => Array.from(await t.data(), Number);

const t0 = Date.now();
const fetched = {};
const got = await session.run(spec.fetch, feeds());
for (const [k, name] of spec.fetch.entries()) fetched[name] = await values(got[k]);
// SPEC.again: fetch that many more times (random ops draw anew each run)
const fetchedAgain = [];
for (let r = 0; r < (spec.again ?? 0); r++) {
  const again = await session.run(spec.fetch, feeds());
  fetchedAgain.push(
    Object.fromEntries(await Promise.all(spec.fetch.map(async (name, k) => [name, await values(again[k])]))),
  );
}
const t1 = Date.now();
const losses = [];
const [trainOp] = graph.getCollection('train_op');
for (let s = 0; s < spec.steps; s++) {
  const [, loss] = await session.run([trainOp.name, spec.loss], feeds());
  losses.push((await values(loss))[0]);
}
const t2 = Date.now();
const variables = {};
const chunks = [];
let offset = 0;
for (const item of graph.getCollection('variables')) {
  if (item.kind !== 'variable') continue;
  const name = item.def.variable_name.replace(/:\d+$/, '');
  const value = await values(await session.run(item.def.snapshot_name));
  if (!spec.variablesFile) {
    variables[name] = value;
    continue;
  }
  chunks.push(Buffer.from(Float64Array.from(value).buffer));
  variables[name] = [offset, value.length];
  offset += value.length * 8;
}
if (spec.variablesFile) writeFileSync(spec.variablesFile, Buffer.concat(chunks));
console.log(
  JSON.stringify({
    backend: session.backend,
    fetched,
    fetchedAgain,
    losses,
    variables,
    shapes,
    ms: { forward: t1 - t0, steps: t2 - t1 },
  }),
);
session.close();
