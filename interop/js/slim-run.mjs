// Live check, our side of tests/test_slim.py: imports a TensorFlow-written meta graph, restores PREFIX through its own
// save/restore_all, feeds SPEC.feeds, fetches SPEC.fetch once, then runs the `train_op` collection's op SPEC.steps
// times (fetching SPEC.loss each step), and prints as JSON the fetched values, the losses, every global variable's
// value after the steps (by op name; raw into SPEC.variablesFile when the spec names one, see readVariables), the
// timings of each phase, and how our static shapes compare with the `_output_shapes` TensorFlow wrote (every
// dimension we infer must be TensorFlow's). SPEC.runs instead: several training ops, each from the checkpoint.
// Usage: node slim-run.mjs META PREFIX SPEC_JSON_FILE
// SPEC: {feeds: {tensor: {dtype, shape, values}}, fetch: [tensor...], loss: tensor | null, steps: n, again?: n,
//        variablesFile?: path, runs?: [{train: tensor, variablesFile: path}]}
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, inferOutputShapes, parseMetaGraph, Session, shapeFromProto } from '@tensorgraft/graph';

const [meta, prefix, specFile] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const tStart = Date.now();
const graph = new Graph();
const metaGraph = parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta });
const tParsed = Date.now();
const { saverDef } = importMetaGraph(graph, metaGraph);
const tImported = Date.now();
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
const tShapes = Date.now();
const session = new Session(graph);
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });
const tRestored = Date.now();
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

// Runs FETCHES (a training op, then the loss) `spec.steps` times; returns the losses, the variables and their timings.
async function train(fetches, variablesFile) {
  const tSteps = Date.now();
  const losses = [];
  for (let s = 0; s < spec.steps; s++) {
    const got = await session.run(fetches, feeds());
    losses.push((await values(got[got.length - 1]))[0]);
  }
  const tRead = Date.now();
  const variables = await readVariables(variablesFile);
  return { losses, variables, ms: { steps: tRead - tSteps, variables: Date.now() - tRead } };
}

// Every global variable's value by op name: JSON arrays, or (with FILE) raw into FILE with [byte offset, length,
// dtype] per name (float32 as is, other dtypes as float64; 8-byte aligned). Zoo-sized nets overflow a JSON string.
const READ_BATCH = 64;
async function readVariables(file) {
  const variables = {};
  const fd = file ? openSync(file, 'w') : undefined;
  let offset = 0;
  const items = graph.getCollection('variables').filter((item) => item.kind === 'variable');
  // READ_BATCH snapshots a run: one plan per variable costs seconds on a 1500-variable net
  for (let k = 0; k < items.length; k += READ_BATCH) {
    const batch = items.slice(k, k + READ_BATCH);
    const got = await session.run(batch.map((item) => item.def.snapshot_name));
    for (const [i, item] of batch.entries()) {
      const name = item.def.variable_name.replace(/:\d+$/, '');
      if (fd === undefined) {
        variables[name] = await values(got[i]);
        continue;
      }
      const data = await got[i].data();
      const raw = data instanceof Float32Array ? data : Float64Array.from(data, Number);
      const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      const padded = Math.ceil(bytes.length / 8) * 8;
      writeSync(fd, bytes);
      if (padded > bytes.length) writeSync(fd, Buffer.alloc(padded - bytes.length));
      variables[name] = [offset, raw.length, raw instanceof Float32Array ? 'float32' : 'float64'];
      offset += padded;
    }
  }
  if (fd !== undefined) closeSync(fd);
  return variables;
}

const ms = {
  parse: tParsed - tStart,
  import: tImported - tParsed,
  shapes: tShapes - tImported,
  restore: tRestored - tShapes,
  forward: t1 - t0,
};
// SPEC.runs ([{train, variablesFile}]): train with each `train` tensor in turn (create_train_op's result: the loss,
// after the update), each from the restored checkpoint: one import for a graph with several optimizers' training ops.
// Otherwise the `train_op` collection's op, fetching SPEC.loss
const runs = [];
for (const [k, run] of (spec.runs ?? []).entries()) {
  if (k > 0) await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });
  runs.push(await train([run.train], run.variablesFile));
}
let single = { losses: [], variables: {}, ms: {} };
if (!spec.runs) {
  const [trainOp] = graph.getCollection('train_op');
  if (spec.steps > 0) single = await train([trainOp.name, spec.loss], spec.variablesFile);
  else single.variables = await readVariables(spec.variablesFile);
}
console.log(
  JSON.stringify({
    backend: session.backend,
    fetched,
    fetchedAgain,
    losses: single.losses,
    variables: single.variables,
    runs,
    shapes,
    ms: { ...ms, ...single.ms },
  }),
);
session.close();
