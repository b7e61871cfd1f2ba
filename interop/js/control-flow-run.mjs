// Live check: runs a TensorFlow-written control-flow case (graph.pb + JSON from interop/fixtures/make_control_flow.py)
// with our Session: sets TensorFlow's initial variable values, fetches every run's tensors, then runs the training op
// ten times. Prints {values: [{name: [...]}...], losses: [...], after: {variable: [...]}} as JSON.
// Usage: node control-flow-run.mjs CASE_BASE (CASE_BASE.pb and CASE_BASE.json)
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';

const [base] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
const graph = new Graph();
importGraphDef(graph, parseGraphDef(new Uint8Array(readFileSync(`${base}.pb`))), { prefix: '' });
const session = new Session(graph);
for (const [name, v] of Object.entries(spec.variables)) {
  const t = tf.tensor(v.values, v.shape, 'float32');
  session.assignVariable(name, t);
  t.dispose();
}
const feedsOf = (feeds) =>
  Object.fromEntries(
    Object.entries(feeds).map(([key, value]) => {
      const dt = graph.requireNode(key.split(':')[0]).attr.dtype?.type;
      return [key, tf.tensor(value, undefined, dt === 3 ? 'int32' : dt === 10 ? 'bool' : 'float32')];
    }),
  );
const values = [];
for (const run of spec.runs) {
  const feeds = feedsOf(run.feeds);
  const outs = await session.run(spec.fetch, feeds);
  values.push(Object.fromEntries(spec.fetch.map((name, k) => [name, Array.from(outs[k].dataSync())])));
  tf.dispose([...outs, ...Object.values(feeds)]);
}
const losses = [];
const after = {};
if (spec.training) {
  const feeds = feedsOf(spec.training.feed);
  for (let k = 0; k < 10; k++) {
    const [loss] = await session.run([spec.training.loss, spec.training.train], feeds);
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  for (const name of Object.keys(spec.training.after)) {
    const t = await session.run(`${name}/Read/ReadVariableOp:0`);
    after[name] = Array.from(t.dataSync());
    t.dispose();
  }
  tf.dispose(Object.values(feeds));
}
console.log(JSON.stringify({ backend: session.backend, values, losses, after }));
session.close();
