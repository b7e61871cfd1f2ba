// Live check, TensorFlow writes -> we read and write: imports a TensorFlow meta graph, restores its checkpoint through
// the graph's own restore op, runs FETCH with the given float32 input, then saves through the graph's own save op
// (sharded savers use ShardedFilename, StringJoin and MergeV2Checkpoints) to NEW_PREFIX. Prints the outputs as JSON.
// Usage: node graph-resave.mjs META PREFIX NEW_PREFIX INPUT_NAME INPUT_JSON FETCH...
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';

const [meta, prefix, newPrefix, inputName, inputJson, ...fetches] = process.argv.slice(2);
const graph = new Graph();
const { saverDef } = importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(meta)), { path: meta }));
const session = new Session(graph);
await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });
const input = JSON.parse(inputJson);
const outs = await session.run(fetches, { [inputName]: tf.tensor(input.values, input.shape) });
const saved = await session.run(saverDef.save_tensor_name, { [saverDef.filename_tensor_name]: newPrefix });
console.log(
  JSON.stringify({
    backend: session.backend,
    saved: new TextDecoder().decode(tf.engine().readSync(saved.dataId)[0]),
    outputs: Object.fromEntries(
      fetches.map((f, i) => [f, { shape: outs[i].shape, values: Array.from(outs[i].dataSync()) }]),
    ),
  }),
);
session.close();
