// An RNN training step through a while loop: tf.compat.v1.nn.dynamic_rnn over an LSTMCell (hidden 256, 50 time
// steps, batch 32, 32 input features), last output through a dense layer, softmax cross-entropy, SGD. TensorFlow
// writes the training graph in this run, in both control-flow generations (v1: Enter/Exit frames, TensorArrayV3 and
// stack-based gradient loop; v2: StatelessWhile with TensorList accumulators), and times its own step (Python, CPU);
// our Session runs the same train op from the same initial values (wasm backend).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, initBackend, parseGraphDef, Session } from '@tensorgraft/graph';
import { median, runPython } from './_harness.js';

const REPEATS = Number(process.env.REPEATS ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 2);

const PY = `
import json, os, sys, time
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tensorflow as tf
from tensorflow.python.ops import control_flow_util
tf1 = tf.compat.v1
tf1.disable_eager_execution()
out, gen, repeats, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
control_flow_util.ENABLE_CONTROL_FLOW_V2 = gen == "v2"
g = tf.Graph()
with g.as_default():
    tf1.set_random_seed(1)
    x = tf1.placeholder(tf.float32, [32, 50, 32], name="x")
    y = tf1.placeholder(tf.int32, [32], name="y")
    cell = tf1.nn.rnn_cell.LSTMCell(256, name="lstm")
    outputs, _ = tf1.nn.dynamic_rnn(cell, x, dtype=tf.float32, scope="rnn")
    w = tf1.get_variable("dense/w", [256, 10])
    logits = tf.matmul(outputs[:, -1, :], w)
    loss = tf.reduce_mean(tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    train = tf1.train.GradientDescentOptimizer(0.01).minimize(loss, name="train")
    init = tf1.global_variables_initializer()
    variables = tf1.global_variables()
rng = np.random.RandomState(0)
feed = {"x:0": rng.uniform(-1, 1, [32, 50, 32]).astype(np.float32), "y:0": rng.randint(0, 10, [32]).astype(np.int32)}
np.save(os.path.join(out, "x.npy"), feed["x:0"])
with open(os.path.join(out, "graph.pb"), "wb") as f:
    f.write(g.as_graph_def().SerializeToString())
with tf1.Session(graph=g) as sess:
    sess.run(init)
    values = {}
    for v in variables:
        a = sess.run(v).astype("<f4")
        a.tofile(os.path.join(out, v.op.name.replace("/", "_") + ".bin"))
        values[v.op.name] = {"shape": list(a.shape), "file": v.op.name.replace("/", "_") + ".bin"}
    for _ in range(warmup):
        sess.run(train, feed)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        sess.run(train, feed)
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"train": train.name, "loss": loss.name, "variables": values, "y": feed["y:0"].tolist(),
                  "median": float(np.median(times))}))
`;

interface PyOut {
  train: string;
  loss: string;
  variables: Record<string, { shape: number[]; file: string }>;
  y: number[];
  median: number;
}

function floats(path: string, skip = 0): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset + skip, b.byteOffset + b.length));
}

await initBackend('wasm');
console.log(`tfjs-core ${tf.version_core}, wasm backend; ${WARMUP} warm-up steps, medians of ${REPEATS}`);
for (const gen of ['v1', 'v2']) {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-cf-'));
  try {
    const py = runPython<PyOut>(PY, [dir, gen, String(REPEATS), String(WARMUP)]);
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(new Uint8Array(readFileSync(join(dir, 'graph.pb')))), { prefix: '' });
    const session = new Session(graph, { backend: 'wasm' });
    for (const [name, v] of Object.entries(py.variables)) {
      const t = tf.tensor(floats(join(dir, v.file)), v.shape);
      session.assignVariable(name, t);
      t.dispose();
    }
    // x.npy: a 128-byte header (NumPy format 1.0 for this shape), then float32 little-endian
    const x = tf.tensor(floats(join(dir, 'x.npy'), 128), [32, 50, 32]);
    const y = tf.tensor(py.y, [32], 'int32');
    const step = () => session.runSync(py.train, { 'x:0': x, 'y:0': y });
    for (let i = 0; i < WARMUP; i++) step();
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = process.hrtime.bigint();
      step();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ours = median(times);
    console.log(
      `LSTM 256 x 50 steps, batch 32, train step, control flow ${gen}  `.padEnd(60) +
        `ours ${ours.toFixed(1)} ms  TensorFlow ${py.median.toFixed(1)} ms  ours / TensorFlow = ${(ours / py.median).toFixed(2)}`,
    );
    tf.dispose([x, y]);
    session.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
