// MaxPoolGrad, AvgPoolGrad and BroadcastTo bit for bit against plain references, on random cases: ties, NaN, ±Inf
// and -0 in the inputs and the gradients, SAME / VALID / EXPLICIT padding (windows of padding only), strides larger
// than the window, 1x1 windows. On wasm the kernels work on views of the heap; on the CPU backend on copies.
import * as tf from '@tensorflow/tfjs-core';
import { attr, type BackendName, Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let seed = 20240614;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// quiet NaNs with payloads: a bit copy keeps them
const nanA = new Float32Array(new Uint32Array([0x7fc00001]).buffer)[0]!;
const nanB = new Float32Array(new Uint32Array([0xffc12345]).buffer)[0]!;
/** Few distinct values, so windows hold ties, with NaN, ±Inf and both zeros. */
const inputValue = () =>
  rand() < 0.12 ? pick([Number.NaN, nanA, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -0, 0]) : int(-3, 3);
const gradValue = () =>
  rand() < 0.15 ? pick([Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -0, 0]) : rand() * 4 - 2;
const fill = (n: number, f: () => number) => Float32Array.from({ length: n }, f);

type Padding = 'SAME' | 'VALID' | 'EXPLICIT';
interface Pool {
  op: 'MaxPoolGrad' | 'AvgPoolGrad';
  x: [number, number, number, number];
  k: [number, number];
  s: [number, number];
  padding: Padding;
  /** top, bottom, left, right (EXPLICIT) */
  pads: [number, number, number, number];
}

/** TensorFlow's output size of a pool along one axis. */
function outSize(p: Pool, axis: 0 | 1): number {
  const [n, k, s] = [p.x[axis + 1]!, p.k[axis], p.s[axis]];
  if (p.padding === 'SAME') return Math.ceil(n / s);
  const extra = p.padding === 'EXPLICIT' ? p.pads[2 * axis]! + p.pads[2 * axis + 1]! : 0;
  return Math.floor((n + extra - k) / s) + 1;
}

/** The padding before the first cell along one axis (TensorFlow's SAME puts the odd cell after). */
function padBefore(p: Pool, axis: 0 | 1, out: number): number {
  if (p.padding === 'EXPLICIT') return p.pads[2 * axis]!;
  if (p.padding === 'VALID') return 0;
  return Math.floor(Math.max((out - 1) * p.s[axis] + p.k[axis] - p.x[axis + 1]!, 0) / 2);
}

/** Each window's real cells in row-major order, as indices into x for channel 0. */
function* windows(p: Pool, oh: number, ow: number) {
  const [batch, h, w, c] = p.x;
  const [pt, pl] = [padBefore(p, 0, oh), padBefore(p, 1, ow)];
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const cells: number[] = [];
        for (let ky = 0; ky < p.k[0]; ky++) {
          for (let kx = 0; kx < p.k[1]; kx++) {
            const [iy, ix] = [y * p.s[0] - pt + ky, xo * p.s[1] - pl + kx];
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) cells.push(((b * h + iy) * w + ix) * c);
          }
        }
        yield { cells, g: ((b * oh + y) * ow + xo) * c };
      }
    }
  }
}

/** MaxPoolGrad: a window's gradient to its first cell holding the maximum (a running max moved only by a greater
 * value, so a NaN first cell keeps it), added onto +0. */
function refMaxPoolGrad(p: Pool, x: Float32Array, dy: Float32Array, oh: number, ow: number): Float32Array {
  const dx = new Float32Array(x.length);
  for (const { cells, g } of windows(p, oh, ow)) {
    if (!cells.length) continue;
    for (let ch = 0; ch < p.x[3]; ch++) {
      let best = cells[0]! + ch;
      for (const cell of cells) if (x[cell + ch]! > x[best]!) best = cell + ch;
      dx[best] = dx[best]! + dy[g + ch]!;
    }
  }
  return dx;
}

/** AvgPoolGrad: a window's gradient over its real cells, divided by their count. */
function refAvgPoolGrad(p: Pool, dy: Float32Array, oh: number, ow: number): Float32Array {
  const dx = new Float32Array(size(p.x));
  for (const { cells, g } of windows(p, oh, ow)) {
    for (const cell of cells) {
      for (let ch = 0; ch < p.x[3]; ch++) dx[cell + ch] = dx[cell + ch]! + dy[g + ch]! / cells.length;
    }
  }
  return dx;
}

/** BroadcastTo: each output element from the input element at its index, size-1 axes at 0. */
function refBroadcast(x: Int32Array, from: number[], to: number[]): Int32Array {
  const padded = [...new Array<number>(to.length - from.length).fill(1), ...from];
  const out = new Int32Array(size(to));
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    let src = 0;
    let stride = 1;
    for (let k = to.length - 1; k >= 0; k--) {
      const at = rest % to[k]!;
      rest = Math.floor(rest / to[k]!);
      src += (padded[k] === 1 ? 0 : at) * stride;
      stride *= padded[k]!;
    }
    out[o] = x[src]!;
  }
  return out;
}

function randomPool(op: Pool['op']): Pool {
  for (;;) {
    const k: [number, number] = rand() < 0.3 ? [1, 1] : [int(1, 4), int(1, 4)];
    const s: [number, number] = [int(1, 5), int(1, 5)];
    const padding: Padding =
      op === 'AvgPoolGrad' ? pick(['SAME', 'VALID'] as const) : pick(['SAME', 'VALID', 'EXPLICIT'] as const);
    const pads: Pool['pads'] = padding === 'EXPLICIT' ? [int(0, 5), int(0, 5), int(0, 5), int(0, 5)] : [0, 0, 0, 0];
    const p: Pool = { op, x: [int(1, 3), int(1, 10), int(1, 10), pick([1, 2, 3, 5, 8])], k, s, padding, pads };
    if (outSize(p, 0) > 0 && outSize(p, 1) > 0) return p;
  }
}

const POOLS: Pool[] = [
  // resnet_v1_50's pool1 and a TF-slim subsample, smaller
  { op: 'MaxPoolGrad', x: [2, 16, 16, 64], k: [3, 3], s: [2, 2], padding: 'SAME', pads: [0, 0, 0, 0] },
  { op: 'MaxPoolGrad', x: [2, 14, 14, 32], k: [1, 1], s: [2, 2], padding: 'SAME', pads: [0, 0, 0, 0] },
  { op: 'AvgPoolGrad', x: [2, 16, 16, 16], k: [3, 3], s: [2, 2], padding: 'SAME', pads: [0, 0, 0, 0] },
  // 1x1 windows in padding only
  { op: 'MaxPoolGrad', x: [1, 3, 4, 2], k: [1, 1], s: [2, 1], padding: 'EXPLICIT', pads: [2, 3, 1, 2] },
  ...Array.from({ length: 150 }, () => randomPool('MaxPoolGrad')),
  ...Array.from({ length: 60 }, () => randomPool('AvgPoolGrad')),
];

interface Broadcast {
  dtype: 'float32' | 'int32' | 'bool';
  from: number[];
  to: number[];
}

function randomBroadcast(): Broadcast {
  const to = Array.from({ length: int(0, 5) }, () => pick([1, 1, 2, 3, 4, 7, 17]));
  const from = to.slice(int(0, to.length)).map((d) => (rand() < 0.5 ? 1 : d));
  return { dtype: rand() < 0.75 ? 'float32' : 'int32', from, to };
}

const BROADCASTS: Broadcast[] = [
  { dtype: 'float32', from: [8, 1, 1, 2048], to: [8, 7, 7, 2048] }, // resnet_v1_50's spatial mean, backwards
  { dtype: 'float32', from: [3, 1], to: [3, 40] },
  { dtype: 'float32', from: [1, 5, 1, 3], to: [6, 5, 4, 3] },
  { dtype: 'float32', from: [2, 3], to: [2, 3] },
  { dtype: 'bool', from: [1, 3], to: [4, 3] },
  ...Array.from({ length: 80 }, randomBroadcast),
];

/** placeholder, values, shape */
type Feed = [string, Float32Array | Int32Array | Uint8Array, readonly number[]];

/** The feeds as tensors of the active backend, to be disposed after the run. */
const tensors = (feeds: Feed[]) =>
  Object.fromEntries(
    feeds.map(([name, v, shape]) => [
      name,
      tf.tensor(v, [...shape], v instanceof Float32Array ? 'float32' : v instanceof Int32Array ? 'int32' : 'bool'),
    ]),
  );

const graph = new Graph();
const b = new GraphBuilder(graph);
const poolCases = POOLS.map((p, j) => {
  const [oh, ow] = [outSize(p, 0), outSize(p, 1)];
  const dyShape = [p.x[0], oh, ow, p.x[3]];
  const dyIn = b.placeholder('float32', dyShape, `pool${j}_dy`);
  const attrs = {
    T: attr.type(1),
    ksize: attr.listI([1, ...p.k, 1]),
    strides: attr.listI([1, ...p.s, 1]),
    padding: attr.s(p.padding),
    data_format: attr.s('NHWC'),
    ...(p.padding === 'EXPLICIT'
      ? { explicit_paddings: attr.listI([0, 0, p.pads[0], p.pads[1], p.pads[2], p.pads[3], 0, 0]) }
      : {}),
  };
  const x = fill(size(p.x), inputValue);
  const dy = fill(size(dyShape), gradValue);
  const feeds: Feed[] = [[dyIn, dy, dyShape]];
  let node: string;
  if (p.op === 'MaxPoolGrad') {
    const xIn = b.placeholder('float32', p.x, `pool${j}_x`);
    const yIn = b.placeholder('float32', dyShape, `pool${j}_y`);
    feeds.push([xIn, x, p.x], [yIn, new Float32Array(size(dyShape)), dyShape]);
    node = b.op('MaxPoolGrad', [xIn, yIn, dyIn], attrs, `pool${j}`).name;
  } else {
    const shape = b.constant(p.x, { dtype: 3, name: `pool${j}_shape` });
    node = b.op('AvgPoolGrad', [shape, dyIn], attrs, `pool${j}`).name;
  }
  const want = p.op === 'MaxPoolGrad' ? refMaxPoolGrad(p, x, dy, oh, ow) : refAvgPoolGrad(p, dy, oh, ow);
  return { p, fetch: `${node}:0`, feeds, want };
});
const broadcastCases = BROADCASTS.map((c, j) => {
  const bits = Int32Array.from({ length: size(c.from) }, () =>
    c.dtype === 'int32' ? int(-5, 5) : new Int32Array(Float32Array.of(pick([nanB, inputValue()])).buffer)[0]!,
  );
  const value =
    c.dtype === 'float32'
      ? new Float32Array(bits.buffer)
      : c.dtype === 'int32'
        ? bits
        : Uint8Array.from(bits, (v) => v & 1);
  const dt = { float32: 1, int32: 3, bool: 10 }[c.dtype];
  const xIn = b.placeholder(dt, c.from, `bcast${j}_x`);
  const shape = b.constant(c.to, { dtype: 3, shape: [c.to.length], name: `bcast${j}_shape` });
  const node = b.op('BroadcastTo', [xIn, shape], { T: attr.type(dt), Tidx: attr.type(3) }, `bcast${j}`).name;
  const want = refBroadcast(c.dtype === 'bool' ? Int32Array.from(value) : bits, c.from, c.to);
  return { c, fetch: `${node}:0`, feeds: [[xIn, value, c.from]] as Feed[], want };
});

/** The output's bits as int32s (float32 reinterpreted; int32 and bool as numbers). */
function bitsOf(t: tf.Tensor): Int32Array {
  const v = t.dataSync();
  return v instanceof Float32Array ? new Int32Array(v.buffer, v.byteOffset, v.length) : Int32Array.from(v);
}

function firstDiff(got: Int32Array, want: Int32Array): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const k = got.findIndex((v, j) => v !== want[j]);
  return k < 0 ? undefined : `at ${k}: bits ${(got[k]! >>> 0).toString(16)}, want ${(want[k]! >>> 0).toString(16)}`;
}

/** The cases' outputs, from a second run (the first caches the constants): that run must leave no tensor behind. */
async function outputs(session: Session, cases: { fetch: string; feeds: Feed[] }[]): Promise<tf.Tensor[]> {
  const once = async () => {
    const feeds = tensors(cases.flatMap((c) => c.feeds));
    try {
      return (await session.run(
        cases.map((c) => c.fetch),
        feeds,
      )) as tf.Tensor[];
    } finally {
      for (const t of Object.values(feeds)) t.dispose();
    }
  };
  for (const t of await once()) t.dispose();
  const before = tf.memory().numTensors;
  const got = await once();
  expect(tf.memory().numTensors).toBe(before + got.length);
  return got;
}

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  describe(`pool gradients and BroadcastTo bit for bit (${backend})`, () => {
    const session = new Session(graph, { backend });
    beforeAll(() => session.ready());
    afterAll(() => session.close());

    it(`${poolCases.length} MaxPoolGrad and AvgPoolGrad cases`, async () => {
      const got = await outputs(session, poolCases);
      for (const [j, c] of poolCases.entries()) {
        expect(got[j]!.shape).toEqual(c.p.x);
        expect(firstDiff(bitsOf(got[j]!), new Int32Array(c.want.buffer)), JSON.stringify(c.p)).toBeUndefined();
      }
      tf.dispose(got);
    });

    it(`${broadcastCases.length} BroadcastTo cases`, async () => {
      const got = await outputs(session, broadcastCases);
      for (const [j, c] of broadcastCases.entries()) {
        expect([got[j]!.shape, got[j]!.dtype], JSON.stringify(c.c)).toEqual([c.c.to, c.c.dtype]);
        expect(firstDiff(bitsOf(got[j]!), c.want), JSON.stringify(c.c)).toBeUndefined();
      }
      tf.dispose(got);
    });

    if (backend === 'wasm') {
      it('reads no float32 tensor back from the heap', async () => {
        const wasm = tf.backend() as tf.KernelBackend & { dataIdMap: { get(id: object): { dtype: string } } };
        const readSync = wasm.readSync.bind(wasm);
        const read: string[] = [];
        const spy = vi.spyOn(wasm, 'readSync').mockImplementation((id) => {
          read.push(wasm.dataIdMap.get(id)!.dtype);
          return readSync(id);
        });
        try {
          tf.dispose(await outputs(session, [...poolCases.slice(0, 3), broadcastCases[0]!]));
        } finally {
          spy.mockRestore();
        }
        // only int32 shapes: AvgPoolGrad's orig_input_shape, BroadcastTo's shape
        expect(read.length).toBeGreaterThan(0);
        expect(read).not.toContain('float32');
      });
    }
  });
}
