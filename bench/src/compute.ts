// Compute against TensorFlow, issue 14's table: VGG-16 forward at 224x224 (batch 1 and 8), TF-slim resnet_v1_50
// forward (batch 8, inference batch norms: folded into the convolutions here), one training step of the demo's head
// (over pool5 features, Adam) and of resnet_v1_50 (batch 8, training batch norms, Momentum), and the demo's wall time
// (`pnpm main`). Ours runs on the WebAssembly backend with threads on (every core) and off (1 thread): the thread
// count is fixed once per process, so each is a child process. TensorFlow (interop/.venv, CPU, oneDNN, all cores)
// writes the resnet and head graphs we import, and times the same steps, in the same run. The machine is shared:
// medians, with the load average printed.
// COMPUTE_ROWS=vgg1,vgg8,resnet-fwd,head,resnet-step,demo picks rows (default all); COMPUTE_THREADS=on|off picks one
// thread setting (default both): a slow row can be measured alone, its TensorFlow anchor still in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session, wasmThreads } from '@tensorgraft/graph';
import { REPO, runTensorFlow, timeMedian } from './_harness.js';
import { vgg16 } from './_vgg16.js';

/** Repeats of the steps of a second or more (resnet, VGG-16 batch 8), and of the rest. */
const HEAVY = Number(process.env.REPEATS_HEAVY ?? 3);
const LIGHT = Number(process.env.REPEATS ?? 9);
/**
 * The head's step takes under a millisecond: both sides take 500 warm-up steps (what a training loop's first steps
 * pay: V8 optimizes the executor's paths over the first few hundred, 0.9 ms a step at steps 100-200 and 0.55 ms from
 * step 500 on; TensorFlow's first-run allocations) and the median of HEAD_REPEATS (101) steps after them.
 */
const HEAD_WARMUP = 500;
const HEAD_REPEATS = Number(process.env.HEAD_REPEATS ?? 101);
const ROWS = [
  'VGG-16 forward, batch 1',
  'VGG-16 forward, batch 8',
  'resnet_v1_50 forward, batch 8',
  "demo's head, one training step (batch 8)",
  'resnet_v1_50, one training step (batch 8)',
] as const;
type Medians = Record<(typeof ROWS)[number], number>;
const ROW_KEYS: Record<string, (typeof ROWS)[number]> = {
  vgg1: ROWS[0],
  vgg8: ROWS[1],
  'resnet-fwd': ROWS[2],
  head: ROWS[3],
  'resnet-step': ROWS[4],
};
const picked = process.env.COMPUTE_ROWS?.split(',').map((k) => k.trim());
for (const k of picked ?? []) {
  if (!(k in ROW_KEYS) && k !== 'demo')
    throw new Error(`COMPUTE_ROWS: unknown row '${k}' (${Object.keys(ROW_KEYS)}, demo)`);
}
const WANTED: readonly (typeof ROWS)[number][] = picked
  ? ROWS.filter((r) => picked.some((k) => ROW_KEYS[k] === r))
  : ROWS;
const wants = (row: (typeof ROWS)[number]) => WANTED.includes(row);

// TensorFlow: writes resnet_v1_50 (inference and training) and the demo's head as meta graphs into argv[1], and times
// them, with make_models' VGG-16, on the same inputs' shapes
const PY = `
import make_models
# tf_slim's batch_norm imports tf_keras.legacy_tf_layers, which tf_keras 2.21 keeps under src/ (as test_slim.py does)
import tf_keras.src.legacy_tf_layers as legacy_layers
import tf_keras.src.legacy_tf_layers.normalization
sys.modules.setdefault("tf_keras.legacy_tf_layers", legacy_layers)
sys.modules.setdefault("tf_keras.legacy_tf_layers.normalization", legacy_layers.normalization)
import tf_slim as slim
from tf_slim.nets import resnet_v1
out, heavy, light, wanted = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
head_warmup, head_repeats = int(sys.argv[5]), int(sys.argv[6])
rng = np.random.RandomState(3)
medians = {}
def timed_row(row, sess, fetch, feed, repeats, **kw):
    if row in wanted:
        medians[row] = timed(sess, fetch, feed, repeats, **kw)["median"]
def images(batch):
    return rng.uniform(0, 1, [batch, 224, 224, 3]).astype(np.float32)
def labels(batch, k):
    return np.eye(k, dtype=np.float32)[rng.randint(0, k, batch)]
if any(r.startswith("VGG") for r in wanted):
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 224, 224, 3], name="inputs")
        y = make_models.vgg16(x)
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            timed_row("VGG-16 forward, batch 1", sess, y, {x: images(1)}, light)
            timed_row("VGG-16 forward, batch 8", sess, y, {x: images(8)}, heavy)
def resnet(training, row):
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 224, 224, 3], name="images")
        # resnet_arg_scope: convolutions without biases, each followed by a batch norm (as the published model)
        with slim.arg_scope(resnet_v1.resnet_arg_scope()):
            logits, _ = resnet_v1.resnet_v1_50(x, 1000, is_training=training)
        logits = tf.reshape(logits, [-1, 1000], name="logits")
        feed = {x: images(8)}
        fetch = logits
        if training:
            y = v1.placeholder(tf.float32, [None, 1000], name="labels")
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
            with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
                fetch = v1.train.MomentumOptimizer(0.01, 0.9).minimize(loss)
            feed[y] = labels(8, 1000)
        init = v1.global_variables_initializer()
        name = "resnet_train" if training else "resnet_forward"
        v1.train.export_meta_graph(os.path.join(out, name + ".meta"), graph=g)
        with v1.Session(graph=g) as sess:
            sess.run(init)
            timed_row(row, sess, fetch, feed, heavy)
        return {"fetch": fetch.name, "init": init.name}
meta = {}
meta["forward"] = resnet(False, "resnet_v1_50 forward, batch 8")
meta["train"] = resnet(True, "resnet_v1_50, one training step (batch 8)")
# the demo's head (apps/demo/src/head.ts, default options): spatial mean, per-channel standardisation, dense 64 + relu,
# dense 4, softmax cross-entropy, Adam 0.01
g = tf.Graph()
with g.as_default():
    f = v1.placeholder(tf.float32, [None, 7, 7, 512], name="features")
    y = v1.placeholder(tf.float32, [None, 4], name="labels")
    h = (tf.reduce_mean(f, [1, 2]) - v1.get_variable("norm/mean", [512], initializer=v1.zeros_initializer(),
                                                     trainable=False)) * v1.get_variable(
        "norm/scale", [512], initializer=v1.ones_initializer(), trainable=False)
    w1 = v1.get_variable("hidden/weights", [512, 64], initializer=v1.initializers.he_normal())
    b1 = v1.get_variable("hidden/biases", [64], initializer=v1.zeros_initializer())
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(h, w1), b1))
    w2 = v1.get_variable("logits/weights", [64, 4], initializer=v1.initializers.he_normal())
    b2 = v1.get_variable("logits/biases", [4], initializer=v1.zeros_initializer())
    logits = tf.nn.bias_add(tf.matmul(h, w2), b2)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = v1.train.AdamOptimizer(0.01).minimize(loss)
    init = v1.global_variables_initializer()
    v1.train.export_meta_graph(os.path.join(out, "head.meta"), graph=g)
    with v1.Session(graph=g) as sess:
        sess.run(init)
        feed = {f: rng.uniform(0, 1, [8, 7, 7, 512]).astype(np.float32), y: labels(8, 4)}
        timed_row("demo's head, one training step (batch 8)", sess, train, feed, head_repeats, warmup=head_warmup)
meta["head"] = {"fetch": train.name, "init": init.name}
print(json.dumps({"medians": medians, "meta": meta}))
`;

interface TfResult {
  medians: Medians;
  meta: Record<'forward' | 'train' | 'head', { fetch: string; init: string }>;
}

/** A TensorFlow-written meta graph, imported into a session with its variables initialized by its own init op. */
async function imported(dir: string, file: string, init: string): Promise<Session> {
  const graph = new Graph();
  importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(join(dir, file)))));
  const session = new Session(graph, { backend: 'wasm' });
  await session.run(init);
  return session;
}

const oneHot = (batch: number, k: number) =>
  tf.tidy(() =>
    tf.cast(
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: batch }, (_, i) => (i * 7) % k),
          'int32',
        ),
        k,
      ),
      'float32',
    ),
  );

/** In a child process: our medians for every row on the thread count this process was started with. */
async function ours(dir: string, meta: TfResult['meta']): Promise<Medians & { threads: number }> {
  // each row as it is measured, to stderr (the parent passes it through): a slow run still shows what it got
  const medians = new Proxy({} as Medians, {
    set(target, row: string, ms: number) {
      process.stderr.write(`  ${row}: ${ms.toFixed(1)} ms (threads ${wasmThreads() ?? 1})\n`);
      (target as Record<string, number>)[row] = ms;
      return true;
    },
  });
  const step = (session: Session, fetch: string, feeds: Record<string, tf.Tensor>) => async () => {
    const r = await session.run(fetch, feeds);
    r?.dataSync();
    r?.dispose();
  };
  if (wants(ROWS[0]) || wants(ROWS[1])) {
    const net = await vgg16({ backend: 'wasm' });
    for (const [batch, repeats] of [
      [1, LIGHT],
      [8, HEAVY],
    ] as const) {
      const row = `VGG-16 forward, batch ${batch}` as const;
      if (!wants(row)) continue;
      const x = tf.randomUniform([batch, 224, 224, 3], 0, 1, 'float32', 3);
      medians[row] = await timeMedian(step(net.session, net.logits, { [net.input]: x }), repeats);
      x.dispose();
    }
    net.session.close();
  }
  const images = tf.randomUniform([8, 224, 224, 3], 0, 1, 'float32', 4);
  if (wants(ROWS[2])) {
    const forward = await imported(dir, 'resnet_forward.meta', meta.forward.init);
    medians[ROWS[2]] = await timeMedian(step(forward, meta.forward.fetch, { 'images:0': images }), HEAVY);
    forward.close();
  }
  if (wants(ROWS[4])) {
    const train = await imported(dir, 'resnet_train.meta', meta.train.init);
    medians[ROWS[4]] = await timeMedian(
      step(train, meta.train.fetch, { 'images:0': images, 'labels:0': oneHot(8, 1000) }),
      HEAVY,
    );
    // ops the WebAssembly backend lacks run on the CPU backend: name them, they are where a slow step looks first
    process.stderr.write(`  resnet step, ops on the CPU backend: ${train.cpuFallbackOps.join(', ') || 'none'}\n`);
    train.close();
  }
  images.dispose();
  if (wants(ROWS[3])) {
    const head = await imported(dir, 'head.meta', meta.head.init);
    const features = tf.randomUniform([8, 7, 7, 512], 0, 1, 'float32', 5);
    medians[ROWS[3]] = await timeMedian(
      step(head, meta.head.fetch, { 'features:0': features, 'labels:0': oneHot(8, 4) }),
      HEAD_REPEATS,
      HEAD_WARMUP,
    );
    head.close();
  }
  return { ...medians, threads: wasmThreads() ?? 1 };
}

if (process.argv[2] === '--child') {
  const [dir, metaJson] = [process.argv[3]!, process.argv[4]!];
  console.log(JSON.stringify(await ours(dir, JSON.parse(metaJson) as TfResult['meta'])));
} else {
  const cores = availableParallelism();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(
    `${cores} cores shared with other work (load average ${load()}); medians of ${LIGHT} / ${HEAVY} runs (the head: ${HEAD_REPEATS} after ${HEAD_WARMUP} warm-up steps)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-compute-'));
  try {
    const tfRun = runTensorFlow<TfResult>(PY, [
      dir,
      String(HEAVY),
      String(LIGHT),
      JSON.stringify(WANTED),
      String(HEAD_WARMUP),
      String(HEAD_REPEATS),
    ]);
    console.log(`TensorFlow 2.21 (Python, CPU, all cores): ${JSON.stringify(tfRun.medians)}`);
    const self = fileURLToPath(import.meta.url);
    const child = (threads: number) => {
      const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', dir, JSON.stringify(tfRun.meta)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
        env: { ...process.env, TENSORGRAFT_WASM_THREADS: String(threads) },
      });
      if (r.status !== 0) throw new Error(`ours (${threads} threads) failed (${r.status})`);
      const lines = r.stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as Medians & { threads: number };
    };
    const mode = process.env.COMPUTE_THREADS ?? 'both';
    if (!['on', 'off', 'both'].includes(mode)) throw new Error(`COMPUTE_THREADS: on, off or both, not '${mode}'`);
    const on = mode === 'off' ? undefined : child(cores);
    const off = mode === 'on' ? undefined : child(1);
    const cell = (m: Medians | undefined, row: (typeof ROWS)[number], t: number) =>
      m === undefined ? ['-', '-'] : [m[row].toFixed(1), (m[row] / t).toFixed(2)];
    console.log(
      `${'row'.padEnd(44)} ${'TF ms'.padStart(8)} ${`on (${on?.threads ?? cores}) ms`.padStart(12)} ` +
        `${'off ms'.padStart(9)}` +
        '  ours/TF on  ours/TF off',
    );
    for (const row of WANTED) {
      const t = tfRun.medians[row];
      const [onMs, onRatio] = cell(on, row, t);
      const [offMs, offRatio] = cell(off, row, t);
      console.log(
        `${row.padEnd(44)} ${t.toFixed(1).padStart(8)} ${onMs!.padStart(12)} ${offMs!.padStart(9)}  ` +
          `${onRatio!.padStart(10)}  ${offRatio!.padStart(11)}`,
      );
    }
    // the demo on its defaults, as `pnpm main` runs it, into a scratch directory
    const demoThreads = [...(mode === 'off' ? [] : [cores]), ...(mode === 'on' ? [] : [1])];
    for (const threads of !picked || picked.includes('demo') ? demoThreads : []) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(
        process.execPath,
        [join(REPO, 'apps', 'demo', 'dist', 'main.js'), '--out', join(dir, `demo-${threads}`)],
        { encoding: 'utf8', env: { ...process.env, TENSORGRAFT_WASM_THREADS: String(threads) } },
      );
      if (r.status !== 0) throw new Error(`the demo failed (${r.status}):\n${r.stderr}`);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(`demo wall time (pnpm main defaults), ${threads} thread${threads > 1 ? 's' : ''}: ${s.toFixed(1)} s`);
    }
    console.log(`load average after: ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
