// One training step, our Session running a TensorFlow-written train op against the same computation written with
// TensorFlow.js's own autodiff (tf.variableGrads + a tfjs optimizer), same process, same backend, interleaved:
// 1. the small CNN of fixtures/training/cnn (conv+bias+relu+maxpool, conv+relu+avgpool, dense, softmax xent, Adam);
// 2. a new head over frozen VGG-16 features (pool5 [N,7,7,512] fed in; flatten, dense 256 + relu, dense 10, softmax
//    xent, Momentum), the fine-tuning step of DESIGN.md's story; its graph is written by TensorFlow in this run.
// tfjs's autodiff cannot run the CNN on the WebAssembly backend (no Conv2DBackpropFilter kernel there), so for the CNN
// ours on wasm (every kernel there: our conv backprops as forward convs, our MaxPoolGrad) is compared with tfjs on
// the CPU backend, and both are also compared on the CPU backend. TensorFlow (Python, CPU) runs the same train ops
// for scale.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs's autodiff needs its gradient functions registered (the tfjs union package does this on import)
import '@tensorflow/tfjs';
import {
  type BackendName,
  Graph,
  importGraphDef,
  importMetaGraph,
  initBackend,
  parseGraphDef,
  parseMetaGraph,
  Session,
} from '@tensorgraft/graph';
import { median, REPO, runTensorFlow } from './_harness.js';

const REPEATS = Number(process.env.REPEATS ?? 21);
const WARMUP = Number(process.env.WARMUP ?? 30);
const CNN_DIR = join(REPO, 'fixtures', 'training', 'cnn');

await initBackend('wasm');
registerTfjsWasmFilterGrad();
console.log(
  `tfjs-core ${tf.version_core}, ${WARMUP} warm-up runs, medians of ${REPEATS} (interleaved ABBA on one backend)`,
);

/** Times `a` and `b` alternately (ABBA) after `warmup` runs of each; returns their median milliseconds. */
async function interleaved(a: () => void, b: () => void, warmup = WARMUP): Promise<[number, number]> {
  // warm-up: the first runs of either side pay for JIT compilation and first allocations (a training loop runs
  // thousands of steps: the steady state is what counts)
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const pair: [() => void, number[]][] = [
      [a, ta],
      [b, tb],
    ];
    for (const [fn, times] of i % 2 ? pair.reverse() : pair) {
      const t0 = process.hrtime.bigint();
      fn();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return [median(ta), median(tb)];
}

function report(what: string, ours: number, anchor: number, anchorName: string): void {
  console.log(
    `${what.padEnd(52)} ours ${ours.toFixed(2)} ms  ${anchorName} ${anchor.toFixed(2)} ms  ours / ${anchorName} = ${(ours / anchor).toFixed(2)}`,
  );
}

// ------------------------------------------------------------------------------------------------ the small CNN

/**
 * For the anchor only: tfjs's wasm backend has no Conv2DBackpropFilter, so its autodiff cannot train a CNN there. This
 * registers a plain JS one (direct loops over the input and dy) so tfjs-on-wasm can be measured too; our Session never
 * calls tfjs's Conv2DBackpropFilter on wasm (its own is a forward conv).
 */
function registerTfjsWasmFilterGrad(): void {
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, filterShape } = attrs as unknown as {
        strides: [number, number];
        pad: 'same' | 'valid';
        filterShape: [number, number, number, number];
      };
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
      );
      const b = backend as unknown as {
        readSync(id: object): Float32Array;
        makeOutput(shape: number[], dtype: string, offset?: number, values?: Float32Array): tf.TensorInfo;
      };
      const xv = b.readSync(x.dataId);
      const gv = b.readSync(dy.dataId);
      const [kh, kw, ci, co] = filterShape;
      const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
      const dw = new Float32Array(kh * kw * ci * co);
      for (let n = 0; n < batchSize; n++)
        for (let oy = 0; oy < outHeight; oy++)
          for (let ox = 0; ox < outWidth; ox++) {
            const g = ((n * outHeight + oy) * outWidth + ox) * co;
            for (let i = 0; i < kh; i++) {
              const iy = oy * strideHeight + i - info.padInfo.top;
              if (iy < 0 || iy >= inHeight) continue;
              for (let j = 0; j < kw; j++) {
                const ix = ox * strideWidth + j - info.padInfo.left;
                if (ix < 0 || ix >= inWidth) continue;
                for (let c = 0; c < ci; c++) {
                  const v = xv[((n * inHeight + iy) * inWidth + ix) * ci + c]!;
                  const at = ((i * kw + j) * ci + c) * co;
                  for (let o = 0; o < co; o++) dw[at + o] = dw[at + o]! + v * gv[g + o]!;
                }
              }
            }
          }
      return b.makeOutput(filterShape, 'float32', undefined, dw);
    },
  });
}

function oneHot(n: number, seed: number): tf.Tensor {
  return tf.tidy(() =>
    tf.cast(
      tf.oneHot(tf.cast(tf.floor(tf.randomUniform([n], 0, 10, 'float32', seed)), 'int32') as tf.Tensor1D, 10),
      'float32',
    ),
  );
}

function cnnSession(backend: BackendName) {
  const graph = new Graph();
  const { saverDef } = importMetaGraph(
    graph,
    parseMetaGraph(new Uint8Array(readFileSync(join(CNN_DIR, 'model.ckpt-0.meta')))),
  );
  const session = new Session(graph, { backend });
  session.runSync(saverDef!.restore_op_name!, {
    [saverDef!.filename_tensor_name!]: tf.scalar(join(CNN_DIR, 'model.ckpt-0'), 'string'),
  });
  const train = graph.getCollection('train_op')[0]!;
  if (train.kind !== 'node') throw new Error('train_op is not a node');
  return { session, train: train.name };
}

/** The CNN written with tfjs's layers-free API: variables, ops, tf.variableGrads through optimizer.minimize. */
function cnnTfjs() {
  const v = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.1, 'float32', seed));
  const k1 = v([3, 3, 1, 4], 1);
  const b1 = v([4], 2);
  const k2 = v([3, 3, 4, 8], 3);
  const b2 = v([8], 4);
  const w = v([32, 10], 5);
  const b = v([10], 6);
  // TensorFlow v1 Adam's defaults: beta1 0.9, beta2 0.999, epsilon 1e-8
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
  const loss = (x: tf.Tensor4D, y: tf.Tensor) => () => {
    const c1 = tf.relu(tf.add(tf.conv2d(x, k1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D;
    const p1 = tf.maxPool(c1, 2, 2, 'valid');
    const c2 = tf.relu(tf.add(tf.conv2d(p1, k2 as tf.Tensor4D, 1, 'same'), b2)) as tf.Tensor4D;
    const p2 = tf.avgPool(c2, 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.reshape(p2, [-1, 32]), w), b);
    return tf.mean(tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.NONE)) as tf.Scalar;
  };
  return {
    step: (x: tf.Tensor4D, y: tf.Tensor) => {
      opt.minimize(loss(x, y), false);
    },
    dispose: () => {
      tf.dispose([k1, b1, k2, b2, w, b]);
      opt.dispose();
    },
  };
}

async function benchCnn(batch: number): Promise<void> {
  for (const [oursOn, tfjsOn] of [
    ['wasm', 'wasm'],
    ['wasm', 'cpu'],
    ['cpu', 'cpu'],
  ] as [BackendName, BackendName][]) {
    await tf.setBackend(oursOn);
    const { session, train } = cnnSession(oursOn);
    const x = tf.keep(tf.randomUniform([batch, 8, 8, 1], 0, 1, 'float32', 7)) as tf.Tensor4D;
    const y = tf.keep(oneHot(batch, 8));
    const feeds = { 'x:0': x, 'y:0': y };
    const ours = () => {
      session.runSync(train, feeds);
    };
    await tf.setBackend(tfjsOn);
    const hand = cnnTfjs();
    const xh = tf.keep(tf.clone(x)) as tf.Tensor4D;
    const yh = tf.keep(tf.clone(y));
    const anchor = () => {
      hand.step(xh, yh);
    };
    // tf.setBackend re-runs every kernel's setup (milliseconds on wasm, and cold code after): on one backend the two
    // interleave; across backends each runs as a block on its own backend
    let mo: number;
    let ma: number;
    if (oursOn === tfjsOn) {
      await tf.setBackend(oursOn);
      [mo, ma] = await interleaved(ours, anchor);
    } else {
      await tf.setBackend(oursOn);
      [mo] = await interleaved(ours, ours);
      await tf.setBackend(tfjsOn);
      [ma] = await interleaved(anchor, anchor);
      await tf.setBackend(oursOn);
    }
    const note = tfjsOn === 'wasm' ? ' (+JS filter grad)' : '';
    report(`small CNN step, batch ${batch}: ours on ${oursOn}, tfjs on ${tfjsOn}${note}`, mo, ma, `tfjs-${tfjsOn}`);
    if (oursOn === 'wasm')
      console.log(`  ops of ours that ran on the CPU backend: [${session.cpuFallbackOps.join(', ')}]`);
    session.close();
    hand.dispose();
    tf.dispose([x, y, xh, yh]);
  }
}

/**
 * Conv2DBackpropFilter, the kernel wasm lacks, for the CNN's two convolutions: ours (a forward conv on wasm) against
 * tfjs's CPU kernel called with the inputs on wasm (what a per-kernel CPU fallback costs: data moved, then the loop).
 */
async function filterGrad(batch: number): Promise<void> {
  const cases: [number[], number[], number[]][] = [
    [
      [batch, 8, 8, 1],
      [batch, 8, 8, 4],
      [3, 3, 1, 4],
    ],
    [
      [batch, 4, 4, 4],
      [batch, 4, 4, 8],
      [3, 3, 4, 8],
    ],
  ];
  const float = 'attr { key: "dtype" value { type: DT_FLOAT } }';
  const text = cases
    .map(
      ([, , fs], k) =>
        `node { name: "x${k}" op: "Placeholder" ${float} }\n` +
        `node { name: "dy${k}" op: "Placeholder" ${float} }\n` +
        `node { name: "sizes${k}" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 4 } } ${fs.map((d) => `int_val: ${d}`).join(' ')} } } } }\n` +
        `node { name: "g${k}" op: "Conv2DBackpropFilter" input: "x${k}" input: "sizes${k}" input: "dy${k}" attr { key: "T" value { type: DT_FLOAT } } attr { key: "strides" value { list { i: [1, 1, 1, 1] } } } attr { key: "padding" value { s: "SAME" } } }\n`,
    )
    .join('');
  const graph = new Graph();
  importGraphDef(graph, parseGraphDef(text, { format: 'text' }), { prefix: '' });
  await tf.setBackend('wasm');
  const feeds: Record<string, tf.Tensor> = {};
  for (const [k, [xs, dys]] of cases.entries()) {
    feeds[`x${k}:0`] = tf.keep(tf.randomUniform(xs));
    feeds[`dy${k}:0`] = tf.keep(tf.randomUniform(dys));
  }
  const session = new Session(graph, { backend: 'wasm' });
  await session.ready();
  const fetches = cases.map((_, k) => `g${k}:0`);
  const ours = () => {
    for (const t of session.runSync(fetches, feeds)) t?.dispose();
  };
  // the executor's per-kernel fallback: the engine pointed at the CPU backend (no re-setup), the inputs' data moved
  const engine = tf.engine() as unknown as {
    backendName: string;
    backendInstance: unknown;
    registry: Record<string, unknown>;
  };
  const cpu = () => {
    for (const [k, [, , fs]] of cases.entries()) {
      // fresh wasm tensors each time, as the executor would hand them over (tfjs moves a tensor's data once)
      const xw = tf.clone(feeds[`x${k}:0`]!);
      const dyw = tf.clone(feeds[`dy${k}:0`]!);
      const wasm = engine.backendInstance;
      engine.backendName = 'cpu';
      engine.backendInstance = engine.registry.cpu;
      const g = tf.engine().runKernel('Conv2DBackpropFilter', { x: xw, dy: dyw }, {
        strides: [1, 1],
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: fs,
      } as never) as tf.Tensor;
      engine.backendName = 'wasm';
      engine.backendInstance = wasm;
      tf.dispose([g, xw, dyw]);
    }
  };
  const [mo, mc] = await interleaved(ours, cpu);
  report(`  the CNN's 2 Conv2DBackpropFilter, batch ${batch}: wasm conv`, mo, mc, 'CPU fallback');
  session.close();
  tf.dispose(Object.values(feeds));
}

// --------------------------------------------------------------------------------- VGG-16 head over frozen features

const HEAD_PY = `
out, repeats, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
g = tf.Graph()
with g.as_default():
    v1.set_random_seed(1)
    x = v1.placeholder(tf.float32, [None, 7, 7, 512], name="features")  # vgg_16/pool5, frozen
    y = v1.placeholder(tf.float32, [None, 10], name="labels")
    step = v1.train.get_or_create_global_step()
    with v1.variable_scope("head"):
        h = tf.reshape(x, [-1, 7 * 7 * 512])
        w1 = v1.get_variable("fc1/kernel", [7 * 7 * 512, 256], initializer=v1.glorot_uniform_initializer())
        b1 = v1.get_variable("fc1/bias", [256], initializer=v1.zeros_initializer())
        h = tf.nn.relu(tf.matmul(h, w1) + b1)
        w2 = v1.get_variable("fc2/kernel", [256, 10], initializer=v1.glorot_uniform_initializer())
        b2 = v1.get_variable("fc2/bias", [10], initializer=v1.zeros_initializer())
        logits = tf.matmul(h, w2) + b2
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    train = v1.train.MomentumOptimizer(0.01, 0.9).minimize(loss, global_step=step)
    init = v1.global_variables_initializer()
    v1.train.export_meta_graph(os.path.join(out, "head.meta"), graph=g)
    rng = np.random.RandomState(0)
    feed = {x: rng.uniform(0, 1, [batch, 7, 7, 512]).astype(np.float32),
            y: np.eye(10, dtype=np.float32)[rng.randint(0, 10, batch)]}
    with v1.Session(graph=g) as sess:
        sess.run(init)
        t = timed(sess, train, feed, repeats)
print(json.dumps({"train": train.name, "init": init.name, "median": t["median"]}))
`;

const CNN_PY = `
d, repeats, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
g = tf.Graph()
with g.as_default():
    saver = v1.train.import_meta_graph(os.path.join(d, "model.ckpt-0.meta"))
    train = v1.get_collection("train_op")[0]
    rng = np.random.RandomState(0)
    feed = {"x:0": rng.uniform(0, 1, [batch, 8, 8, 1]).astype(np.float32),
            "y:0": np.eye(10, dtype=np.float32)[rng.randint(0, 10, batch)]}
    with v1.Session(graph=g) as sess:
        saver.restore(sess, os.path.join(d, "model.ckpt-0"))
        print(json.dumps(timed(sess, train, feed, repeats)))
`;

async function benchHead(batch: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-head-'));
  try {
    const py = runTensorFlow<{ train: string; init: string; median: number }>(HEAD_PY, [
      dir,
      String(REPEATS),
      String(batch),
    ]);
    for (const backend of ['wasm', 'cpu'] as BackendName[]) {
      await tf.setBackend(backend);
      const graph = new Graph();
      importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(join(dir, 'head.meta')))));
      const session = new Session(graph, { backend });
      session.runSync(py.init);
      const x = tf.keep(tf.randomUniform([batch, 7, 7, 512], 0, 1, 'float32', 9));
      const y = tf.keep(oneHot(batch, 10));
      const ours = () => {
        session.runSync(py.train, { 'features:0': x, 'labels:0': y });
      };
      const limit = Math.sqrt(6 / (25088 + 256));
      const w1 = tf.variable(tf.randomUniform([25088, 256], -limit, limit));
      const b1 = tf.variable(tf.zeros([256]));
      const w2 = tf.variable(tf.randomUniform([256, 10], -0.15, 0.15));
      const b2 = tf.variable(tf.zeros([10]));
      const opt = tf.train.momentum(0.01, 0.9);
      const anchor = () => {
        opt.minimize(() => {
          const h = tf.relu(tf.add(tf.matMul(tf.reshape(x, [-1, 25088]), w1), b1));
          const logits = tf.add(tf.matMul(h, w2), b2);
          return tf.mean(
            tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.NONE),
          ) as tf.Scalar;
        }, false);
      };
      // steps of hundreds of ms: a few warm-up runs reach the steady state
      const [mo, ma] = await interleaved(ours, anchor, 3);
      report(`VGG-16 head over pool5 features, batch ${batch}, ${backend}`, mo, ma, `tfjs-${backend}`);
      session.close();
      tf.dispose([x, y, w1, b1, w2, b2]);
      opt.dispose();
    }
    console.log(`  for scale, TensorFlow 2.21 (Python, CPU) runs the same head step in ${py.median.toFixed(2)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const batch of [8, 64]) {
  await benchCnn(batch);
  await filterGrad(batch);
  const py = runTensorFlow<{ median: number }>(CNN_PY, [CNN_DIR, String(REPEATS), String(batch)]);
  console.log(`  for scale, TensorFlow 2.21 (Python, CPU) runs the same CNN step in ${py.median.toFixed(2)} ms`);
}
await benchHead(32);
