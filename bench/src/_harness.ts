// Shared bits for benchmark scripts: timing with medians, seeded data, running Python in the interop venv, printing
// ratios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON = join(REPO, 'interop', '.venv', 'bin', 'python');

/** Milliseconds on a monotonic clock. */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** xorshift32 values in [-1, 1): random, cheap, deterministic. */
export function fillRandom(a: Float32Array, seed: number): void {
  let x = seed | 1;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = (x | 0) / 2147483648;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` `repeats` times (after `warmup` untimed runs) and returns the median milliseconds. */
export async function timeMedian(fn: () => unknown, repeats = 7, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** Runs a Python script in the interop venv; the script prints one JSON document, which is returned. */
export function runPython<T = unknown>(code: string, args: string[] = []): T {
  if (!existsSync(PYTHON)) throw new Error(`no interop venv at ${PYTHON}: run bash interop/setup`);
  const r = spawnSync(PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/**
 * What every TensorFlow anchor script starts with: quiet logs, graph mode (tf.compat.v1 as `tf1` / `v1`), numpy,
 * interop/fixtures importable (make_models' vgg16), and `timed(sess, fetches, feed, repeats, warmup=1)`, which runs
 * the fetches `warmup` times untimed, then `repeats` times, and returns {"median", "min"} in milliseconds.
 */
const TF_PRELUDE = `
import json, os, statistics, sys, time
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
sys.path.insert(0, os.path.join(${JSON.stringify(REPO)}, "interop", "fixtures"))
import numpy as np, tensorflow as tf
tf1 = v1 = tf.compat.v1
tf1.disable_eager_execution()
def timed(sess, fetches, feed, repeats, warmup=1):
    for _ in range(warmup):
        sess.run(fetches, feed)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); sess.run(fetches, feed); times.append((time.perf_counter() - t0) * 1000)
    return {"median": statistics.median(times), "min": min(times)}
`;

/** Runs `body` after TF_PRELUDE in the interop venv (sys.argv[1:] are `args`); returns the JSON it prints last. */
export function runTensorFlow<T = unknown>(body: string, args: string[] = []): T {
  return runPython<T>(TF_PRELUDE + body, args);
}

export interface Row {
  what: string;
  ours: number;
  anchor: number;
  /** Unit of ours/anchor, e.g. 'ms' (lower is better) or 'MB/s' (higher is better). */
  unit: string;
  higherIsBetter?: boolean;
  anchorName: string;
}

/** Prints rows as a table with the speed-up of ours over the anchor (>1 means we are faster). */
export function printTable(rows: Row[]): void {
  for (const r of rows) {
    const speedup = r.higherIsBetter ? r.ours / r.anchor : r.anchor / r.ours;
    console.log(
      `${r.what.padEnd(44)} ours ${fmt(r.ours)} ${r.unit}  ${r.anchorName} ${fmt(r.anchor)} ${r.unit}  ` +
        `ours is ${speedup.toFixed(2)}x ${r.anchorName}`,
    );
  }
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);
}
