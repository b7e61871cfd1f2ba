// Convolutions on oneDNN (native/dnnl-conv.c) compute what the WebAssembly backend's kernels compute: forward convs
// (plain, and fused with a bias and an activation), and both gradients, over strides, SAME / VALID / explicit padding
// (TensorFlow's uneven SAME included), dilations and 1x1 filters. Whether the native module loads is fixed once per
// process, so each side runs in a fresh Node process (TENSORGRAFT_ONEDNN=0 turns it off).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const req = createRequire(import.meta.url);
const GRAPH_ENTRY = req.resolve('@tensorgraft/graph');
const GRAPH = pathToFileURL(GRAPH_ENTRY).href;
const TF = pathToFileURL(req.resolve('@tensorflow/tfjs-core')).href;
/** The build makes the module wherever oneDNN's headers are installed (scripts/install-onednn.sh). */
const BUILT = existsSync(join(dirname(GRAPH_ENTRY), 'native', 'dnnl-conv.node'));
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

const PROGRAM = `import * as tf from ${JSON.stringify(TF)};
import { attr, Graph, GraphBuilder, gradients, nativeConvCounts, nativeConvs, Session } from ${JSON.stringify(GRAPH)};
const cases = JSON.parse(process.argv[2]);
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
const session = new Session(g);
const out = await session.run(fetches, feeds);
const bytes = (t) => Buffer.from(t.dataSync().buffer).toString('base64');
console.log(JSON.stringify({ backend: session.backend, native: nativeConvs(), counts: nativeConvCounts(), out: out.map(bytes) }));
session.close();
`;

interface Report {
  backend: string;
  native: boolean;
  counts: { native: number; fallback: number };
  out: string[];
}

function run(env: Record<string, string>): Report {
  const file = join(dir, `conv-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, PROGRAM);
  const r = spawnSync(process.execPath, [file, JSON.stringify(CASES)], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no report (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return JSON.parse(line) as Report;
}

const floats = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};

describe('convolutions on oneDNN', () => {
  const native = run({});
  const wasm = run({ TENSORGRAFT_ONEDNN: '0' });

  it(`load wherever the module is built (built here: ${BUILT}), and TENSORGRAFT_ONEDNN=0 turns them off`, () => {
    expect(native.backend).toBe('wasm');
    expect(native.native).toBe(BUILT);
    expect(wasm.native).toBe(false);
    // every case's forward conv and both gradients, none left to the wasm kernels
    expect(native.counts).toEqual(BUILT ? { native: 3 * CASES.length, fallback: 0 } : { native: 0, fallback: 0 });
    expect(wasm.counts).toEqual({ native: 0, fallback: 0 });
  });

  CASES.forEach(([name], i) => {
    it(`${name}: output, input gradient and filter gradient equal the wasm kernels' within float32 reassociation`, () => {
      for (const [k, what] of ['y', 'dx', 'dw'].entries()) {
        const a = floats(native.out[3 * i + k]!);
        const b = floats(wasm.out[3 * i + k]!);
        expect(a.length, `${name} ${what}`).toBe(b.length);
        let scale = 0;
        for (const v of b) scale = Math.max(scale, Math.abs(v));
        expect(scale, `${name} ${what} is not all zeros`).toBeGreaterThan(0);
        let worst = 0;
        for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!));
        // sums of up to a few thousand float32 products, in another order: ~1e-6 of the largest value
        expect(worst / scale, `${name} ${what}`).toBeLessThan(1e-5);
      }
    });
  });
});
