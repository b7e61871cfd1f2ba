// Live check: imports a TensorFlow meta graph, restores PREFIX through its own save/restore_all, feeds INPUT (raw
// float32 little-endian, shape SHAPE) to INPUT_NAME and prints FETCH's values and the timings as JSON.
// Usage: node graph-run-meta.mjs META PREFIX INPUT_NAME INPUT_BIN SHAPE_JSON FETCH
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';

const [meta, prefix, inputName, inputBin, shapeJson, fetch] = process.argv.slice(2);
const t0 = Date.now();
const graph = new Graph();
const { saverDef } = importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta }));
const session = new Session(graph);
await session.ready();
const t1 = Date.now();
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });
const t2 = Date.now();
const raw = readFileSync(inputBin);
const input = tf.tensor(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), JSON.parse(shapeJson));
const out = await session.run(fetch, { [inputName]: input });
const values = Array.from(await out.data());
const t3 = Date.now();
console.log(
  JSON.stringify({
    backend: session.backend,
    shape: out.shape,
    values,
    ms: { import: t1 - t0, restore: t2 - t1, forward: t3 - t2 },
  }),
);
session.close();
