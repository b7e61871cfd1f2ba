// The WebAssembly backend on every core: its threaded build starts in Node (pthread workers from a file, not a Blob
// URL), computes what the single-threaded build computes, and a program using it still exits by itself. The thread
// count is fixed when the module starts, once per process, so each case runs in a fresh Node process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, Session, wasmThreads } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';

const req = createRequire(import.meta.url);
const GRAPH = pathToFileURL(req.resolve('@tensorgraft/graph')).href;
const TF = pathToFileURL(req.resolve('@tensorflow/tfjs-core')).href;
const dir = mkdtempSync(join(tmpdir(), 'graph-wasm-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// conv + bias + relu, max pool, a second conv, then a dense layer and softmax: the kernels XNNPACK splits across its
// threads (convolution, matmul) and some it does not. Seeded inputs, so every process computes the same values.
const PROGRAM = `import * as tf from ${JSON.stringify(TF)};
import { Graph, GraphBuilder, Session, wasmThreads } from ${JSON.stringify(GRAPH)};
const options = JSON.parse(process.argv[2]);
const g = new Graph();
const b = new GraphBuilder(g);
const x = b.placeholder('float32', [2, 32, 32, 8], 'x');
const w1 = b.placeholder('float32', [3, 3, 8, 32], 'w1');
const b1 = b.placeholder('float32', [32], 'b1');
const w2 = b.placeholder('float32', [3, 3, 32, 64], 'w2');
const w3 = b.placeholder('float32', [16 * 16 * 64, 10], 'w3');
const h1 = b.maxPool(b.relu(b.biasAdd(b.conv2d(x, w1, [1, 1], 'SAME'), b1)), 2, 2, 'VALID');
const h2 = b.relu(b.conv2d(h1, w2, [1, 1], 'SAME'));
const logits = b.matmul(b.reshape(h2, [2, 16 * 16 * 64]), w3);
b.softmax(logits, 'y');
const session = new Session(g, options);
const feeds = {
  'x:0': tf.randomUniform([2, 32, 32, 8], -1, 1, 'float32', 1),
  'w1:0': tf.randomUniform([3, 3, 8, 32], -0.3, 0.3, 'float32', 2),
  'b1:0': tf.randomUniform([32], -0.1, 0.1, 'float32', 3),
  'w2:0': tf.randomUniform([3, 3, 32, 64], -0.1, 0.1, 'float32', 4),
  'w3:0': tf.randomUniform([16 * 16 * 64, 10], -0.02, 0.02, 'float32', 5),
};
const [h, y] = await session.run([h2, 'y:0'], feeds);
const bytes = (t) => Buffer.from(t.dataSync().buffer).toString('base64');
console.log(JSON.stringify({ backend: session.backend, threads: wasmThreads(), h: bytes(h), y: bytes(y) }));
session.close();
// no process.exit: the process must end by itself, its worker threads included
`;

interface Report {
  backend: string;
  threads: number;
  h: string;
  y: string;
}

function run(
  env: Record<string, string>,
  options: object = {},
): { status: number | null; signal: string | null; report: Report } {
  const file = join(dir, `threads-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, PROGRAM);
  const r = spawnSync(process.execPath, [file, JSON.stringify(options)], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no report (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return { status: r.status, signal: r.signal, report: JSON.parse(line) as Report };
}

const floats = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};

describe('the threaded WebAssembly backend', () => {
  const threaded = run({ TENSORGRAFT_WASM_THREADS: '2' });
  const single = run({ TENSORGRAFT_WASM_THREADS: '1' });

  it('starts with the threads asked for, and single-threaded when asked for 1', () => {
    expect(threaded.report.backend).toBe('wasm');
    expect(threaded.report.threads).toBe(2);
    expect(single.report.backend).toBe('wasm');
    expect(single.report.threads).toBe(1);
  });

  it('computes what the single-threaded build computes', () => {
    // bit for bit: XNNPACK splits a kernel's outputs among its threads, never one output's sum, so each value is the
    // same float32 arithmetic in the same order
    expect(floats(threaded.report.h).length).toBe(2 * 16 * 16 * 64);
    expect(threaded.report.h).toBe(single.report.h);
    expect(threaded.report.y).toBe(single.report.y);
    // the values are real: not all zero, and softmax rows sum to 1
    const h = floats(single.report.h);
    expect(h.some((v) => v > 0.01)).toBe(true);
    const y = floats(threaded.report.y);
    for (let row = 0; row < 2; row++) {
      const sum = y.slice(row * 10, row * 10 + 10).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('lets the process exit by itself: its workers do not keep Node alive', () => {
    expect(threaded.signal).toBeNull();
    expect(threaded.status).toBe(0);
    expect(single.status).toBe(0);
  });

  it('takes the Session option over the environment', () => {
    const r = run({ TENSORGRAFT_WASM_THREADS: '2' }, { wasmThreads: 1 });
    expect(r.status).toBe(0);
    expect(r.report.threads).toBe(1);
    expect(r.report.y).toBe(single.report.y);
  });
});

describe('under vitest', () => {
  it('runs threaded in the test process itself, with the values of the CPU backend', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [1, 16, 16, 4], 'x');
    const w = b.placeholder('float32', [3, 3, 4, 8], 'w');
    b.relu(b.conv2d(x, w, [1, 1], 'SAME'), 'y');
    const feeds = {
      'x:0': tf.randomUniform([1, 16, 16, 4], -1, 1, 'float32', 7),
      'w:0': tf.randomUniform([3, 3, 4, 8], -0.5, 0.5, 'float32', 8),
    };
    const onWasm = new Session(g, { wasmThreads: 2 });
    const onCpu = new Session(g, { backend: 'cpu' });
    const a = (await onWasm.run('y:0', feeds)).dataSync();
    expect(onWasm.backend).toBe('wasm');
    expect(wasmThreads()).toBe(2);
    const c = (await onCpu.run('y:0', feeds)).dataSync();
    expect(a.length).toBe(16 * 16 * 8);
    expect(a.some((v) => v > 0.1)).toBe(true);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(c[i]!, 5);
    onWasm.close();
    onCpu.close();
  });
});
