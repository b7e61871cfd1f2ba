// native/loops.c gives the values of the paths it replaces bit for bit: Adam's and Momentum's in-place updates (plain
// and Nesterov; the JavaScript loops of kernels/training.ts) over three steps of gradients with NaN, infinities,
// signed zeros, subnormals and large values, Sum / Mean over middle axes (the wasm backend's transpose-and-sum),
// keep_dims on and off, and ReluGrad (the backend's greater, cast, mul), each also past the size where the loops
// split over threads (262144 elements). Whether the module loads is fixed once per process: each side runs in a fresh Node process
// (TENSORGRAFT_NATIVE_KERNELS=0 turns it off).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runProgram } from './child-program.js';

const req = createRequire(import.meta.url);
const GRAPH_ENTRY = req.resolve('@tensorgraft/graph');
const GRAPH = pathToFileURL(GRAPH_ENTRY).href;
const TF = pathToFileURL(req.resolve('@tensorflow/tfjs-core')).href;
const LOOPS_BUILT = existsSync(join(dirname(GRAPH_ENTRY), 'native', 'loops.node'));
const dir = mkdtempSync(join(tmpdir(), 'graph-native-loops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [optimizer, nesterov, size]; each updates its variable three times (sizes: not a multiple of any vector width). */
const UPDATES = [
  ['Adam', false, 1027],
  ['Adam', true, 1027],
  ['Momentum', false, 1027],
  ['Momentum', true, 1027],
  ['Adam', false, 300007],
  ['Momentum', true, 300007],
] as const;
const STEPS = 3;
/** [x shape, axes, keep_dims, op] */
const REDUCTIONS = [
  [[8, 7, 7, 64], [1, 2], false, 'Mean'],
  [[8, 7, 7, 64], [1, 2], true, 'Sum'],
  [[4, 9, 5, 3], [0, 1, 2], false, 'Mean'],
  [[3, 1000, 5], [1], true, 'Mean'],
  [[2, 3, 4, 5, 6], [1, 2, 3], false, 'Sum'],
  [[300, 7], [0], false, 'Sum'],
  [[8, 130, 300], [1], false, 'Mean'],
  [[1, 1100, 257], [0, 1], true, 'Sum'],
] as const;
/** ReluGrad's shapes: the second splits over threads. */
const RELU_GRADS = [
  [5, 7, 11],
  [3, 301, 331],
] as const;

const PROGRAM = `import * as tf from ${JSON.stringify(TF)};
import { attr, Graph, GraphBuilder, nativeKernels, Session } from ${JSON.stringify(GRAPH)};
const [updates, steps, reductions, reluGrads] = JSON.parse(process.argv[2]);
const g = new Graph();
const b = new GraphBuilder(g);
// values with every kind of float32 in them: NaN, +-Inf, +-0, subnormals, 1e30, then uniform values
let seed = 1;
const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e30, -1e30, 1e-8];
function values(N, lo, hi) {
  const v = tf.randomUniform([N], lo, hi, 'float32', seed++).dataSync().slice();
  special.forEach((s, k) => { v[17 * k + 3] = s; });
  return v;
}
const fetches = [];
const applies = [];
const gradFeeds = [];
for (const [name, nesterov, N] of updates) {
  const id = name + (nesterov ? '_nesterov' : '') + N;
  const slotNames = name === 'Adam' ? ['w', 'm', 'v'] : ['w', 'accum'];
  const vars = slotNames.map((s, k) =>
    b.variable(id + '_' + s, [N], { constant: Array.from(values(N, k === 2 ? 0 : -1, 1)).map((x) => (k === 2 ? Math.abs(x) : x)) }),
  );
  const grad = b.placeholder('float32', [N], id + '_grad');
  const c = (x) => b.constant(x);
  const attrs = { T: attr.type(1), use_locking: attr.b(false), use_nesterov: attr.b(nesterov) };
  const inputs = name === 'Adam'
    ? [vars[0].name, vars[1].name, vars[2].name, c(0.9), c(0.999), c(0.01), c(0.9), c(0.999), c(1e-7), grad]
    : [vars[0].name, vars[1].name, c(0.05), grad, c(0.9)];
  applies.push(b.op('Apply' + name, inputs, attrs, id + '_apply').name);
  gradFeeds.push([grad, N]);
  fetches.push(...vars.map((v) => v.value));
}
const init = b.globalVariablesInitializer();
const xs = [];
const reduced = [];
for (const [shape, axes, keep, op] of reductions) {
  const x = b.placeholder('float32', shape, 'x' + xs.length);
  xs.push(x);
  reduced.push(op === 'Mean' ? b.reduceMean(x, axes, keep) : b.reduceSum(x, axes, keep));
}
for (const shape of reluGrads) {
  const dy = b.placeholder('float32', shape, 'dy' + xs.length);
  const x = b.placeholder('float32', shape, 'x' + xs.length);
  xs.push(dy, x);
  reduced.push(b.op('ReluGrad', [dy, x], { T: attr.type(1) }, 'relu_grad').name + ':0');
}
const session = new Session(g);
await session.run(init);
for (let s = 0; s < steps; s++) {
  const feeds = {};
  for (const [grad, N] of gradFeeds) feeds[grad] = tf.tensor1d(values(N, -3, 3));
  // the applies alone: nothing later in the run reads the variables, so they update in place
  await session.run(applies, feeds);
}
const reductionFeeds = {};
const shapes = [...reductions.map((r) => r[0]), ...reluGrads.flatMap((s) => [s, s])];
xs.forEach((x, k) => {
  const shape = shapes[k];
  const v = tf.randomNormal(shape, 0.5, 100, 'float32', seed++).dataSync().slice();
  special.forEach((s, j) => { v[(31 * j + 5) % v.length] = s; });
  reductionFeeds[x] = tf.tensor(v, shape);
});
const out = [...(await session.run(fetches)), ...(await session.run(reduced, reductionFeeds))];
const bytes = (t) => Buffer.from(t.dataSync().buffer).toString('base64');
console.log(JSON.stringify({ backend: session.backend, native: nativeKernels(), omp: process.env.OMP_WAIT_POLICY ?? null, shapes: out.map((t) => t.shape), out: out.map(bytes) }));
session.close();
`;

interface Report {
  backend: string;
  omp: string | null;
  native: { loops: boolean; ran: { loops: number } };
  shapes: number[][];
  out: string[];
}

function run(env: Record<string, string>): Report {
  return runProgram<Report>(dir, PROGRAM, [UPDATES, STEPS, REDUCTIONS, RELU_GRADS], env);
}

const words = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};
const isNaNBits = (w: number) => (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;

/** The first element whose bits differ (any NaN equals any NaN), or undefined. */
function firstDifference(a: Uint32Array, b: Uint32Array): string | undefined {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k] || (isNaNBits(a[k]!) && isNaNBits(b[k]!))) continue;
    return `at ${k}: ${a[k]!.toString(16)} vs ${b[k]!.toString(16)}`;
  }
  return undefined;
}

describe('native loops', () => {
  const native = run({});
  const plain = run({ TENSORGRAFT_NATIVE_KERNELS: '0' });
  const slotCount = UPDATES.reduce((s, [name]) => s + (name === 'Adam' ? 3 : 2), 0);

  it(`load wherever they are built (here: ${LOOPS_BUILT}), and run every update and reduction`, () => {
    expect(native.backend).toBe('wasm');
    expect(native.native.loops).toBe(LOOPS_BUILT);
    expect(native.native.ran.loops).toBe(
      LOOPS_BUILT ? UPDATES.length * STEPS + REDUCTIONS.length + RELU_GRADS.length : 0,
    );
    expect(plain.native.loops).toBe(false);
    expect(plain.native.ran.loops).toBe(0);
  });

  it("sets OpenMP's threads to sleep between regions unless the user chose a policy", () => {
    // spinning, they took the core the wasm backend's threads wait on: the demo head's step went 0.8 -> 7 ms
    expect(native.omp).toBe(LOOPS_BUILT ? 'passive' : null);
    expect(plain.omp).toBe(null);
    expect(run({ OMP_WAIT_POLICY: 'active' }).omp).toBe('active');
  });

  UPDATES.forEach(([name, nesterov, size], i) => {
    const slots = name === 'Adam' ? ['var', 'm', 'v'] : ['var', 'accum'];
    it(`${name}${nesterov ? ' (Nesterov)' : ''} of ${size}: ${slots.join(', ')} after ${STEPS} steps, bit for bit`, () => {
      const base = UPDATES.slice(0, i).reduce((s, [n]) => s + (n === 'Adam' ? 3 : 2), 0);
      for (const [k, what] of slots.entries()) {
        const a = words(native.out[base + k]!);
        const b = words(plain.out[base + k]!);
        expect(a.length).toBe(size);
        expect(firstDifference(a, b), `${name} ${what}`).toBeUndefined();
      }
    });
  });

  REDUCTIONS.forEach(([shape, axes, keep, op], i) => {
    it(`${op} of [${shape}] over [${axes}]${keep ? ', keep_dims' : ''}: the backend's bits and shape`, () => {
      const a = words(native.out[slotCount + i]!);
      const b = words(plain.out[slotCount + i]!);
      expect(native.shapes[slotCount + i]).toEqual(plain.shapes[slotCount + i]);
      expect(firstDifference(a, b), `${op} [${shape}] [${axes}]`).toBeUndefined();
    });
  });

  const firstRelu = slotCount + REDUCTIONS.length;
  RELU_GRADS.forEach((shape, i) => {
    it(`ReluGrad of [${shape}]: the backend's bits (NaN or infinite gradients at x <= 0 are NaN, negative ones -0)`, () => {
      const a = words(native.out[firstRelu + i]!);
      const b = words(plain.out[firstRelu + i]!);
      expect(a.length).toBe(shape.reduce((p, d) => p * d, 1));
      expect(firstDifference(a, b), `ReluGrad [${shape}]`).toBeUndefined();
    });
  });
});
