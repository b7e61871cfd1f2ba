// VGG-16 forward, batch 1, 224x224, on the WebAssembly backend with threads on (every core) and off (1 thread),
// against TensorFlow (CPU, oneDNN, all cores) on the same net, in one run. The thread count is fixed once per process,
// so each configuration runs in a child process of its own; the rounds alternate (on, off, TensorFlow) so drift from
// other processes on the shared cores hits all three alike. Medians over all rounds, and the ratios.
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { wasmThreads } from '@tensorgraft/graph';
import { median, REPO, runPython } from './_harness.js';
import { vgg16 } from './_vgg16.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const REPEATS = Number(process.env.REPEATS ?? 5); // timed runs per round

interface ChildReport {
  threads: number;
  times: number[];
  cpu: number[];
  logits: number[];
}

// ---- child: one configuration, REPEATS timed runs after 2 warm-ups ----
if (process.argv[2] === '--child') {
  const threads = Number(process.argv[3]);
  const net = await vgg16({ backend: 'wasm', wasmThreads: threads });
  const input = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 3);
  const once = async () => {
    const t = (await net.session.run(net.logits, { [net.input]: input }))!;
    const values = t.dataSync();
    t.dispose();
    return values;
  };
  await once();
  const logits = Array.from((await once()).slice(0, 8));
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  net.session.close();
  console.log(JSON.stringify({ threads: wasmThreads() ?? 0, times, cpu, logits } satisfies ChildReport));
} else {
  const self = fileURLToPath(import.meta.url);
  const child = (threads: number): ChildReport => {
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', String(threads)], {
      encoding: 'utf8',
      env: { ...process.env, REPEATS: String(REPEATS) },
      maxBuffer: 1 << 24,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (r.status !== 0 || !line) throw new Error(`child (${threads} threads) failed (${r.status}):\n${r.stderr}`);
    return JSON.parse(line) as ChildReport;
  };

  const PY = `
import json, os, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, os.path.join(sys.argv[1], "interop", "fixtures"))
import numpy as np, tensorflow as tf
import make_models
tf1 = tf.compat.v1
tf1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [None, 224, 224, 3])
    y = make_models.vgg16(x)
    with tf1.Session(graph=g) as sess:
        sess.run(tf1.global_variables_initializer())
        feed = {x: np.random.RandomState(3).uniform(0, 1, [1, 224, 224, 3]).astype(np.float32)}
        sess.run(y, feed); sess.run(y, feed)
        times = []
        for _ in range(int(sys.argv[2])):
            t0 = time.perf_counter(); sess.run(y, feed); times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"times": times, "threads": tf.config.threading.get_intra_op_parallelism_threads()}))
`;

  const cores = availableParallelism();
  console.log(
    `VGG-16 forward, batch 1, 224x224: ${ROUNDS} rounds x ${REPEATS} runs each; ${cores} cores (shared with other ` +
      `work: load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
  );
  const on: number[] = [];
  const off: number[] = [];
  const tfTimes: number[] = [];
  const cpuOn: number[] = [];
  const cpuOff: number[] = [];
  let threadsOn = 0;
  let sameLogits = true;
  for (let round = 0; round < ROUNDS; round++) {
    const a = child(cores);
    const b = child(1);
    const t = runPython<{ times: number[] }>(PY, [REPO, String(REPEATS)]);
    threadsOn = a.threads;
    sameLogits &&= a.logits.every((v, i) => Object.is(v, b.logits[i]));
    on.push(...a.times);
    off.push(...b.times);
    tfTimes.push(...t.times);
    cpuOn.push(...a.cpu);
    cpuOff.push(...b.cpu);
    console.log(
      `  round ${round + 1}: threads on ${median(a.times).toFixed(0)} ms, off ${median(b.times).toFixed(0)} ms, ` +
        `TensorFlow ${median(t.times).toFixed(0)} ms`,
    );
  }
  const [mOn, mOff, mTf] = [median(on), median(off), median(tfTimes)];
  console.log(`threads on (${threadsOn} threads)   median ${mOn.toFixed(0)} ms  CPU ${median(cpuOn).toFixed(0)} ms`);
  console.log(`threads off (1 thread)     median ${mOff.toFixed(0)} ms  CPU ${median(cpuOff).toFixed(0)} ms`);
  console.log(`TensorFlow (Python, CPU)   median ${mTf.toFixed(0)} ms`);
  console.log(
    `ratios: on / TF ${(mOn / mTf).toFixed(2)}, off / TF ${(mOff / mTf).toFixed(2)}, off / on ${(mOff / mOn).toFixed(2)} ` +
      `(speed-up of threads); logits on == off bit for bit: ${sameLogits}`,
  );
}
