// VGG-16 forward, batch 1, 224x224, on the WebAssembly backend with threads on (every core) and off (1 thread), each
// with the plan's fusion (conv + bias + relu as one kernel) and without, against TensorFlow (CPU, oneDNN, all cores)
// on the same net, in one run. The thread count is fixed once per process, so each configuration is a process of its
// own, kept alive with its net loaded; the parent asks them for one forward pass at a time, in turn (TensorFlow's
// Python process too), reversing the order every other round, so drift from other work on the shared cores hits
// every configuration alike. Medians of wall time, the process's CPU time (all its threads), the fastest run (the
// nearest to an idle machine), and the ratios of the medians.
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { wasmThreads } from '@tensorgraft/graph';
import { median, PYTHON, REPO } from './_harness.js';
import { vgg16 } from './_vgg16.js';

const REPEATS = Number(process.env.REPEATS ?? 15);

/** One timed forward pass, as a child reports it. */
interface Timing {
  ms: number;
  cpu: number;
}

// ---- child: loads the net, then one forward pass per line read on stdin ----
if (process.argv[2] === '--child') {
  const threads = Number(process.argv[3]);
  const net = await vgg16({ backend: 'wasm', wasmThreads: threads, fuse: process.argv[4] === 'fused' });
  const input = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 3);
  const once = async () => {
    const t = (await net.session.run(net.logits, { [net.input]: input }))!;
    const values = t.dataSync();
    t.dispose();
    return values;
  };
  await once();
  const logits = Array.from((await once()).slice(0, 8));
  console.log(JSON.stringify({ threads: wasmThreads() ?? 0, logits }));
  for await (const _ of createInterface({ input: process.stdin })) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await once();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ ms, cpu: (c.user + c.system) / 1000 } satisfies Timing));
  }
  net.session.close();
} else {
  const PY = `
import json, os, resource, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, os.path.join(sys.argv[1], "interop", "fixtures"))
import numpy as np, tensorflow as tf
import make_models
tf1 = tf.compat.v1
tf1.disable_eager_execution()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [None, 224, 224, 3])
    y = make_models.vgg16(x)
    with tf1.Session(graph=g) as sess:
        sess.run(tf1.global_variables_initializer())
        feed = {x: np.random.RandomState(3).uniform(0, 1, [1, 224, 224, 3]).astype(np.float32)}
        sess.run(y, feed); sess.run(y, feed)
        print(json.dumps({"threads": 0, "logits": []}), flush=True)
        for _ in sys.stdin:
            c0 = cpu(); t0 = time.perf_counter(); sess.run(y, feed)
            print(json.dumps({"ms": (time.perf_counter() - t0) * 1000, "cpu": cpu() - c0}), flush=True)
`;

  /** A child process answering one JSON line per line it is sent. */
  class Runner {
    private readonly lines: AsyncIterator<string>;
    constructor(
      readonly what: string,
      private readonly proc: ChildProcess,
    ) {
      proc.stderr!.on('data', (d: Buffer) => {
        if (process.env.BENCH_VERBOSE) process.stderr.write(d);
      });
      this.lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    }
    async read<T>(): Promise<T> {
      for (;;) {
        const { value, done } = await this.lines.next();
        if (done) throw new Error(`${this.what}: its process ended (status ${this.proc.exitCode})`);
        if (value.startsWith('{')) return JSON.parse(value) as T;
      }
    }
    async time(): Promise<Timing> {
      this.proc.stdin!.write('run\n');
      return this.read<Timing>();
    }
    close(): void {
      this.proc.stdin!.end();
    }
  }

  const self = fileURLToPath(import.meta.url);
  const cores = availableParallelism();
  const configs = [
    { what: 'threads on, fused', threads: cores, fused: true },
    { what: 'threads on, unfused', threads: cores, fused: false },
    { what: 'threads off, fused', threads: 1, fused: true },
    { what: 'threads off, unfused', threads: 1, fused: false },
  ];
  console.log(
    `VGG-16 forward, batch 1, 224x224: ${REPEATS} runs of each, in turn; ${cores} cores, shared with other work ` +
      `(load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
  );
  // started one after another: loading four nets at once would only fight over the same cores
  const runners: { runner: Runner; threads: number; logits: number[]; times: Timing[] }[] = [];
  for (const c of [...configs, { what: 'TensorFlow 2.21 (Python, CPU)', threads: 0, fused: false }]) {
    const proc =
      c.threads === 0
        ? spawn(PYTHON, ['-c', PY, REPO], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } })
        : spawn(process.execPath, [
            ...process.execArgv,
            self,
            '--child',
            String(c.threads),
            c.fused ? 'fused' : 'apart',
          ]);
    const runner = new Runner(c.what, proc);
    const ready = await runner.read<{ threads: number; logits: number[] }>();
    runners.push({ runner, threads: ready.threads, logits: ready.logits, times: [] });
  }
  for (let i = 0; i < REPEATS; i++) {
    for (const r of i % 2 ? [...runners].reverse() : runners) r.times.push(await r.runner.time());
  }
  for (const r of runners) r.runner.close();

  const tfMs = median(runners[4]!.times.map((t) => t.ms));
  const baseMs = median(runners[3]!.times.map((t) => t.ms));
  for (const r of runners) {
    const ms = median(r.times.map((t) => t.ms));
    const cpu = median(r.times.map((t) => t.cpu));
    const fastest = Math.min(...r.times.map((t) => t.ms));
    if (!r.threads) {
      console.log(
        `${r.runner.what.padEnd(34)} median ${ms.toFixed(0).padStart(5)} ms  CPU ${cpu.toFixed(0).padStart(5)} ms`,
      );
      continue;
    }
    const label = `${r.runner.what} (${r.threads} thread${r.threads > 1 ? 's' : ''})`;
    console.log(
      `${label.padEnd(34)} median ${ms.toFixed(0).padStart(5)} ms  CPU ${cpu.toFixed(0).padStart(5)} ms  ` +
        `fastest ${fastest.toFixed(0).padStart(5)} ms  ours / TF ${(ms / tfMs).toFixed(2)}  ` +
        `speed-up over threads off, unfused ${(baseMs / ms).toFixed(2)}x`,
    );
  }
  const same = (a: number[], b: number[]) => a.every((v, i) => Object.is(v, b[i]));
  const gap = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  const [on, onApart, off, offApart] = runners;
  console.log(
    `first 8 logits: threads on == off bit for bit: fused ${same(on!.logits, off!.logits)}, unfused ` +
      `${same(onApart!.logits, offApart!.logits)}; max |fused - unfused| ${gap(on!.logits, onApart!.logits).toExponential(2)}`,
  );
}
