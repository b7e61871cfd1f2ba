// VGG-16 forward (TF-slim's vgg_16 layout, batch 1, 224x224, 138M parameters) on the WebAssembly backend:
// Session.run on the graph against the same tfjs ops called by hand (each intermediate disposed right after its last
// use, the best a hand-written forward can do), in the same process on the same weights. Medians of wall time, the
// overhead ratio, and peak memory (tf.profile's peakBytes) of one run each.
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, initBackend, Session } from '@tensorgraft/graph';
import { median, runTensorFlow } from './_harness.js';

const REPEATS = Number(process.env.REPEATS ?? 7);
const BLOCKS: [number, number][] = [
  [2, 64],
  [2, 128],
  [3, 256],
  [3, 512],
  [3, 512],
];

const backend = await initBackend('wasm');
console.log(`backend: ${backend}, tfjs-core ${tf.version_core}, repeats ${REPEATS}`);

// ---- the graph, as slim.nets.vgg.vgg_16 builds it (ref variables, Conv2D + BiasAdd + Relu, MaxPool, fc as conv) ----
const graph = new Graph();
const b = new GraphBuilder(graph);
const weights = new Map<string, tf.Tensor>();
const layers: { kind: 'conv' | 'pool'; w?: string; b?: string; padding?: 'SAME' | 'VALID'; relu?: boolean }[] = [];
const x = b.placeholder('float32', [null, 224, 224, 3], 'inputs');
let h = x;
function conv(scope: string, k: number, cin: number, cout: number, padding: 'SAME' | 'VALID', relu: boolean): void {
  h = b.nameScope(scope, () => {
    const w = b.variable('weights', [k, k, cin, cout], { zeros: true });
    const bias = b.variable('biases', [cout], { zeros: true });
    const limit = Math.sqrt(6 / (k * k * cin + cout));
    weights.set(w.name, tf.keep(tf.randomUniform([k, k, cin, cout], -limit, limit, 'float32', 1)));
    weights.set(bias.name, tf.keep(tf.randomUniform([cout], -0.01, 0.01, 'float32', 2)));
    layers.push({ kind: 'conv', w: w.name, b: bias.name, padding, relu });
    const y = b.biasAdd(b.conv2d(h, w.value, [1, 1], padding), bias.value);
    return relu ? b.relu(y) : y;
  });
}
b.nameScope('vgg_16', () => {
  let cin = 3;
  BLOCKS.forEach(([n, c], i) => {
    b.nameScope(`conv${i + 1}`, () => {
      for (let j = 1; j <= n; j++) {
        conv(`conv${i + 1}_${j}`, 3, cin, c, 'SAME', true);
        cin = c;
      }
    });
    h = b.maxPool(h, 2, 2, 'VALID', `pool${i + 1}`);
    layers.push({ kind: 'pool' });
  });
  conv('fc6', 7, 512, 4096, 'VALID', true);
  conv('fc7', 1, 4096, 4096, 'SAME', true);
  conv('fc8', 1, 4096, 1000, 'SAME', false);
  h = b.squeeze(h, [1, 2], 'fc8/squeezed');
});
const logits = h;
const session = new Session(graph, { backend: 'wasm' });
await session.ready();
for (const [name, t] of weights) session.assignVariable(name, t);
console.log(
  `graph: ${graph.nodes.length} nodes, ${[...weights.values()].reduce((a, t) => a + t.size, 0) / 1e6}M parameters`,
);

// ---- the same ops by hand ----
function byHand(input: tf.Tensor4D): tf.Tensor {
  let cur: tf.Tensor4D = input;
  const release = (t: tf.Tensor) => {
    if (t !== input) t.dispose();
  };
  for (const l of layers) {
    let next: tf.Tensor4D;
    if (l.kind === 'pool') {
      next = tf.maxPool(cur, [2, 2], [2, 2], 'valid');
      release(cur);
    } else {
      const c = tf.conv2d(cur, weights.get(l.w!) as tf.Tensor4D, [1, 1], l.padding === 'SAME' ? 'same' : 'valid');
      release(cur);
      const y = tf.add(c, weights.get(l.b!)!) as tf.Tensor4D;
      c.dispose();
      if (l.relu) {
        next = tf.relu(y);
        y.dispose();
      } else next = y;
    }
    cur = next;
  }
  const out = tf.squeeze(cur, [1, 2]);
  cur.dispose();
  return out;
}

const input = tf.keep(tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 3)) as tf.Tensor4D;
const ours = async () => {
  const t = (await session.run(logits, { [x]: input }))!;
  t.dataSync();
  return t;
};
const hand = async () => {
  const t = byHand(input);
  t.dataSync();
  return t;
};

// same answer (sanity), and warm-up of both
const [a, c] = [await ours(), await hand()];
const diff = tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]!;
console.log(`max |ours - hand| = ${diff}`);
a.dispose();
c.dispose();

const tOurs: number[] = [];
const tHand: number[] = [];
const cOurs: number[] = [];
const cHand: number[] = [];
for (let i = 0; i < REPEATS; i++) {
  // interleaved in ABBA order, so drift (other processes on the 2 cores) and order effects hit both alike
  const pair = [
    [ours, tOurs, cOurs],
    [hand, tHand, cHand],
  ] as const;
  for (const [fn, wall, cpu] of i % 2 ? [...pair].reverse() : pair) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    (await fn()).dispose();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
}
const mOurs = median(tOurs);
const mHand = median(tHand);
const minOurs = Math.min(...tOurs);
const minHand = Math.min(...tHand);
const cpuOurs = median(cOurs);
const cpuHand = median(cHand);

// peakBytes counts everything alive, weights included; the part above the bytes alive before the run is the run's own
const peak = async (fn: () => Promise<tf.Tensor>) => {
  let out: tf.Tensor | undefined;
  const base = tf.memory().numBytes;
  const info = await tf.profile(async () => {
    out = await fn();
    return out;
  });
  out?.dispose();
  return { total: info.peakBytes, run: info.peakBytes - base };
};
const pOurs = await peak(ours);
const pHand = await peak(hand);

const mb = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(
  `VGG-16 forward, batch 1, 224x224, wasm   Session.run median ${mOurs.toFixed(0)} ms   by hand median ${mHand.toFixed(0)} ms`,
);
console.log(
  `CPU time (this process, all threads) median: ours ${cpuOurs.toFixed(0)} ms, hand ${cpuHand.toFixed(0)} ms, ratio ${(cpuOurs / cpuHand).toFixed(3)}`,
);
console.log(
  `overhead: ours / hand = ${(mOurs / mHand).toFixed(3)} (${((mOurs / mHand - 1) * 100).toFixed(1)}%) on medians`,
);
console.log(
  `fastest runs: ours ${minOurs.toFixed(0)} ms, hand ${minHand.toFixed(0)} ms, ratio ${(minOurs / minHand).toFixed(3)} (the 2 cores are shared: see the load average)`,
);
console.log(
  `peak memory (tf.profile peakBytes): total ours ${mb(pOurs.total)} MB hand ${mb(pHand.total)} MB (ratio ${(pOurs.total / pHand.total).toFixed(3)}); ` +
    `above the weights ours ${mb(pOurs.run)} MB hand ${mb(pHand.run)} MB (ratio ${(pOurs.run / pHand.run).toFixed(3)})`,
);
session.close();
for (const t of weights.values()) t.dispose();

// ---- for scale: TensorFlow itself (CPU, oneDNN, all cores) on the same net, same run ----
const PY = `
import make_models
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [None, 224, 224, 3])
    y = make_models.vgg16(x)
    with tf1.Session(graph=g) as sess:
        sess.run(tf1.global_variables_initializer())
        feed = {x: np.random.RandomState(3).uniform(0, 1, [1, 224, 224, 3]).astype(np.float32)}
        print(json.dumps(timed(sess, y, feed, int(sys.argv[1]))))
`;
const tfPy = runTensorFlow<{ median: number; min: number }>(PY, [String(REPEATS)]);
console.log(
  `for scale, TensorFlow 2.21 (Python, CPU) on the same net: median ${tfPy.median.toFixed(0)} ms, fastest ${tfPy.min.toFixed(0)} ms ` +
    `(ours / TensorFlow on medians ${(mOurs / tfPy.median).toFixed(2)})`,
);
input.dispose();

// ---- the executor's own cost per node: a deep chain of tiny ops, where kernels take next to no time ----
{
  const DEPTH = 300;
  const g = new Graph();
  const gb = new GraphBuilder(g);
  const x0 = gb.placeholder('float32', [4, 4], 'x');
  const w0 = gb.constant(
    Array.from({ length: 16 }, (_, i) => ((i % 5) - 2) / 8),
    { shape: [4, 4] },
  );
  let y = x0;
  for (let i = 0; i < DEPTH; i++) y = gb.tanh(gb.add(gb.matmul(y, w0), x0));
  const s = new Session(g, { backend: 'wasm' });
  await s.ready();
  const xin = tf.keep(tf.randomUniform([4, 4]));
  const wt = tf.keep(
    tf.tensor(
      Array.from({ length: 16 }, (_, i) => ((i % 5) - 2) / 8),
      [4, 4],
    ),
  );
  const small = async () => {
    const t = (await s.run(y, { [x0]: xin }))!;
    t.dataSync();
    t.dispose();
  };
  const smallHand = async () => {
    let cur = xin;
    for (let i = 0; i < DEPTH; i++) {
      const m = tf.matMul(cur, wt);
      const a = tf.add(m, xin);
      m.dispose();
      const n = tf.tanh(a);
      a.dispose();
      if (cur !== xin) cur.dispose();
      cur = n;
    }
    cur.dataSync();
    cur.dispose();
  };
  await small();
  await smallHand();
  // CPU time of this process (user + system), which other processes on the shared cores disturb far less than wall time
  const cpuMs = async (fn: () => Promise<void>) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 20; i++) await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / 20;
  };
  const ts: number[] = [];
  const th: number[] = [];
  for (let i = 0; i < 7; i++) {
    ts.push(await cpuMs(small));
    th.push(await cpuMs(smallHand));
  }
  const perNode = ((median(ts) - median(th)) * 1000) / (DEPTH * 3);
  console.log(
    `executor cost: ${DEPTH * 3}-node chain of 4x4 ops, CPU time per run: Session.run ${median(ts).toFixed(2)} ms, ` +
      `by hand ${median(th).toFixed(2)} ms: ${perNode.toFixed(2)} us per node on top of the kernels`,
  );
  s.close();
}
