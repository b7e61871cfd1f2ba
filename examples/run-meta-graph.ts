// Runs a TensorFlow meta graph (written by tf.compat.v1's Saver) on TensorFlow.js: imports PREFIX.meta, restores
// the variables through the graph's own save/restore_all, feeds the tensors in FEEDS_JSON ({"x:0": [[...]]}) and
// prints each FETCH (a tensor name, e.g. probs:0).
// Usage: run-meta-graph PREFIX FEEDS_JSON FETCH...
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';

async function main(): Promise<void> {
  const [prefix, feedsFile, ...fetches] = process.argv.slice(2);
  if (!prefix || !feedsFile || fetches.length === 0) {
    console.error('usage: run-meta-graph PREFIX FEEDS_JSON FETCH...');
    process.exitCode = 2;
    return;
  }
  const graph = new Graph();
  const { saverDef } = importMetaGraph(graph, parseMetaGraph(readFileSync(`${prefix}.meta`)));
  const session = new Session(graph);
  if (saverDef) await session.run(saverDef.restore_op_name, { [saverDef.filename_tensor_name]: prefix });

  const feeds: Record<string, tf.Tensor> = {};
  for (const [name, values] of Object.entries(
    JSON.parse(readFileSync(feedsFile, 'utf8')) as Record<string, number[][]>,
  ))
    feeds[name] = tf.tensor(values);
  const outputs = await session.run(fetches, feeds);
  for (const [i, name] of fetches.entries()) console.log(`${name}: ${JSON.stringify(outputs[i]?.arraySync())}`);
  session.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
