// The native kernels compute what the WebAssembly backend's kernels (and our JavaScript) compute. Convolutions on
// oneDNN (native/dnnl-conv.c): forward convs (plain, and fused with a bias and an activation) and both gradients,
// over strides, SAME / VALID / explicit padding (TensorFlow's uneven SAME included), dilations and 1x1 filters.
// Training batch norm (native/batch-norm.c): FusedBatchNormV3's outputs and FusedBatchNormGradV3's, NHWC and NCHW,
// with and without an exponential average factor. Whether the modules load is fixed once per process, so each side
// runs in a fresh Node process (TENSORGRAFT_NATIVE_KERNELS=0 turns them off).
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
/** The build makes dnnl-conv wherever oneDNN's headers are installed (scripts/install-onednn.sh), batch-norm
 * wherever there is a C compiler. */
const built = (name: string) => existsSync(join(dirname(GRAPH_ENTRY), 'native', `${name}.node`));
const CONV_BUILT = built('dnnl-conv');
const BN_BUILT = built('batch-norm');
const LOOPS_BUILT = built('loops');
const dir = mkdtempSync(join(tmpdir(), 'graph-native-conv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// [name, x shape, filter shape, strides, padding, dilations, activation after a BiasAdd ('' = none)]
const CASES = [
  ['same_s1_relu', [2, 9, 11, 5], [3, 3, 5, 7], [1, 1], 'SAME', [1, 1], 'Relu'],
  ['same_s2_uneven', [2, 10, 9, 4], [3, 3, 4, 6], [2, 2], 'SAME', [1, 1], ''],
  ['valid_7x7_s2', [1, 20, 21, 3], [7, 7, 3, 8], [2, 2], 'VALID', [1, 1], 'Relu6'],
  ['dilated', [2, 12, 12, 4], [3, 3, 4, 5], [1, 1], 'SAME', [2, 2], ''],
  ['one_by_one_s2', [3, 8, 8, 6], [1, 1, 6, 10], [2, 2], 'SAME', [1, 1], ''],
  ['explicit_pads', [2, 7, 8, 3], [3, 2, 3, 4], [1, 2], 'EXPLICIT', [1, 1], 'Relu'],
  ['wide_channels', [1, 14, 14, 64], [3, 3, 64, 96], [1, 1], 'SAME', [1, 1], 'Relu'],
] as const;

// [name, x shape, data_format, exponential_avg_factor]
const BN_CASES = [
  ['bn_nhwc', [4, 6, 5, 16], 'NHWC', 1],
  ['bn_nchw_avg', [2, 8, 5, 7], 'NCHW', 0.1],
  ['bn_one_channel', [3, 9, 4, 1], 'NHWC', 1],
] as const;

const PROGRAM = `import * as tf from ${JSON.stringify(TF)};
import { attr, Graph, GraphBuilder, gradients, nativeKernels, Session } from ${JSON.stringify(GRAPH)};
const [cases, bnCases] = JSON.parse(process.argv[2]);
const g = new Graph();
const b = new GraphBuilder(g);
const feeds = {};
const fetches = [];
let seed = 1;
for (const [name, xs, fs, strides, padding, dilations, act] of cases) {
  const x = b.placeholder('float32', xs, name + '_x');
  const w = b.placeholder('float32', fs, name + '_w');
  const bias = b.placeholder('float32', [fs[3]], name + '_b');
  feeds[x] = tf.randomUniform(xs, -1, 1, 'float32', seed++);
  feeds[w] = tf.randomUniform(fs, -0.5, 0.5, 'float32', seed++);
  feeds[bias] = tf.randomUniform([fs[3]], -0.2, 0.2, 'float32', seed++);
  // the builder's conv2d, then TensorFlow's attrs for what it has no arguments for (dilations, explicit padding)
  const conv = b.conv2d(x, w, strides, padding === 'EXPLICIT' ? 'SAME' : padding, name + '_conv');
  const node = g.node(conv.split(':')[0]);
  node.attr.dilations = attr.listI([1, dilations[0], dilations[1], 1]);
  if (padding === 'EXPLICIT') {
    node.attr.padding = attr.s('EXPLICIT');
    node.attr.explicit_paddings = attr.listI([0, 0, 1, 2, 0, 1, 0, 0]);
  }
  const y = act ? b[act.toLowerCase()](b.biasAdd(conv, bias)) : conv;
  // a loss whose gradient is not uniform, so both backprops see a varied dy
  const loss = b.reduceSum(b.square(y), [0, 1, 2, 3]);
  const [dx, dw] = gradients(g, [loss], [x, w]);
  fetches.push(y, dx, dw);
}
for (const [name, xs, format, factor] of bnCases) {
  const c = format === 'NHWC' ? xs[3] : xs[1];
  const x = b.placeholder('float32', xs, name + '_x');
  const dy = b.placeholder('float32', xs, name + '_dy');
  const [scale, offset, mean, variance] = ['scale', 'offset', 'mean', 'variance'].map((k) => b.placeholder('float32', [c], name + '_' + k));
  feeds[x] = tf.randomUniform(xs, -2, 3, 'float32', seed++);
  feeds[dy] = tf.randomUniform(xs, -1, 1, 'float32', seed++);
  feeds[scale] = tf.randomUniform([c], 0.5, 1.5, 'float32', seed++);
  feeds[offset] = tf.randomUniform([c], -0.5, 0.5, 'float32', seed++);
  feeds[mean] = tf.randomUniform([c], -0.1, 0.1, 'float32', seed++);
  feeds[variance] = tf.randomUniform([c], 0.9, 1.1, 'float32', seed++);
  const common = { T: attr.type(1), U: attr.type(1), epsilon: attr.f(0.001), is_training: attr.b(true), data_format: attr.s(format) };
  const bn = b.op('FusedBatchNormV3', [x, scale, offset, mean, variance], { ...common, exponential_avg_factor: attr.f(factor) }, name).name;
  const grad = b.op('FusedBatchNormGradV3', [dy, x, scale, bn + ':3', bn + ':4', bn + ':5'], common, name + '_grad').name;
  fetches.push(...[0, 1, 2].map((k) => bn + ':' + k), ...[0, 1, 2].map((k) => grad + ':' + k));
}
const session = new Session(g);
const out = await session.run(fetches, feeds);
const bytes = (t) => Buffer.from(t.dataSync().buffer).toString('base64');
console.log(JSON.stringify({ backend: session.backend, native: nativeKernels(), out: out.map(bytes) }));
session.close();
`;

interface Report {
  backend: string;
  native: {
    convolutions: boolean;
    batchNorm: boolean;
    loops: boolean;
    ran: { convolutions: number; batchNorm: number; loops: number };
    fellBack: { convolutions: number; batchNorm: number };
  };
  out: string[];
}

function run(env: Record<string, string>): Report {
  return runProgram<Report>(dir, PROGRAM, [CASES, BN_CASES], env);
}

const floats = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};

/** max |a - b| over the largest |b|: b's values must not all be zero */
function relativeError(a: Float32Array, b: Float32Array, what: string): number {
  expect(a.length, what).toBe(b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  expect(scale, `${what} is not all zeros`).toBeGreaterThan(0);
  let worst = 0;
  for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!));
  return worst / scale;
}

describe('native kernels', () => {
  const native = run({});
  const wasm = run({ TENSORGRAFT_NATIVE_KERNELS: '0' });

  it(`load wherever they are built (here: dnnl-conv ${CONV_BUILT}, batch-norm ${BN_BUILT}), and TENSORGRAFT_NATIVE_KERNELS=0 turns them off`, () => {
    expect(native.backend).toBe('wasm');
    expect(native.native.convolutions).toBe(CONV_BUILT);
    expect(native.native.batchNorm).toBe(BN_BUILT);
    // every case's forward conv and both gradients, every batch norm and its gradient; none left to the wasm path
    expect(native.native.ran).toEqual({
      convolutions: CONV_BUILT ? 3 * CASES.length : 0,
      batchNorm: BN_BUILT ? 2 * BN_CASES.length : 0,
      // each Relu case's ReluGrad (the losses' sums are over every axis, not a middle-axes sum; native-loops.test.ts
      // checks the loops' values)
      loops: LOOPS_BUILT ? CASES.filter((c) => c[6] === 'Relu').length : 0,
    });
    expect(native.native.fellBack).toEqual({ convolutions: 0, batchNorm: 0 });
    expect(wasm.native).toEqual({
      convolutions: false,
      batchNorm: false,
      loops: false,
      ran: { convolutions: 0, batchNorm: 0, loops: 0 },
      fellBack: { convolutions: 0, batchNorm: 0 },
    });
  });

  CASES.forEach(([name], i) => {
    it(`${name}: output, input gradient and filter gradient equal the wasm kernels' within float32 reassociation`, () => {
      for (const [k, what] of ['y', 'dx', 'dw'].entries()) {
        const a = floats(native.out[3 * i + k]!);
        const b = floats(wasm.out[3 * i + k]!);
        // sums of up to a few thousand float32 products, in another order: ~1e-6 of the largest value
        expect(relativeError(a, b, `${name} ${what}`), `${name} ${what}`).toBeLessThan(1e-5);
      }
    });
  });

  BN_CASES.forEach(([name], i) => {
    it(`${name}: y, batch mean and variance, and dx, dscale, doffset equal the JavaScript path's`, () => {
      const base = 3 * CASES.length + 6 * i;
      for (const [k, what] of ['y', 'batch_mean', 'batch_variance', 'dx', 'dscale', 'doffset'].entries()) {
        const a = floats(native.out[base + k]!);
        const b = floats(wasm.out[base + k]!);
        // the same float64 statistics; the gradient's channel sums are float64 here, float32 in two stages there
        expect(relativeError(a, b, `${name} ${what}`), `${name} ${what}`).toBeLessThan(1e-5);
      }
    });
  });
});
