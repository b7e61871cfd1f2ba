// Conv / MatMul + BiasAdd + activation chains run as tfjs fused kernels where nothing else in the run reads their
// intermediates: the values are those of the unfused ops (up to float32 reassociation: the fused kernel adds the bias
// into the sum), which kernels ran is seen with tf.profile, and a chain whose intermediate something reads stays apart.
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';

/** A small net with every fused chain: conv + bias + relu, depthwise + bias + relu6, conv + bias, matmul + bias + elu. */
function net() {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [2, 12, 12, 3], 'x');
  const w1 = b.placeholder('float32', [3, 3, 3, 8], 'w1');
  const b1 = b.placeholder('float32', [8], 'b1');
  const dw = b.placeholder('float32', [3, 3, 8, 1], 'dw');
  const b2 = b.placeholder('float32', [8], 'b2');
  const w3 = b.placeholder('float32', [1, 1, 8, 6], 'w3');
  const b3 = b.placeholder('float32', [6], 'b3');
  const w4 = b.placeholder('float32', [6 * 6 * 6, 5], 'w4');
  const b4 = b.placeholder('float32', [5], 'b4');
  const pre1 = b.biasAdd(b.conv2d(x, w1, [1, 1], 'SAME'), b1, 'pre1');
  const h1 = b.relu(pre1, 'h1');
  const depthwise = b.op(
    'DepthwiseConv2dNative',
    [h1, dw],
    {
      T: attr.type(1),
      strides: attr.listI([1, 1, 1, 1]),
      padding: attr.s('SAME'),
      data_format: attr.s('NHWC'),
      dilations: attr.listI([1, 1, 1, 1]),
    },
    'depthwise',
  ).name;
  const h2 = b.relu6(b.biasAdd(depthwise, b2), 'h2');
  const h3 = b.biasAdd(b.conv2d(b.maxPool(h2, 2, 2, 'VALID'), w3, [1, 1], 'VALID'), b3, 'h3');
  const dense = b.biasAdd(b.matmul(b.reshape(h3, [2, 6 * 6 * 6]), w4), b4);
  const y = out(b.op('Elu', [dense], { T: attr.type(1) }, 'y'));
  const loss = b.reduceSum(b.square(y), [0, 1], false, 'loss');
  const feeds: Record<string, tf.Tensor> = {};
  const shapes: Record<string, number[]> = {
    x: [2, 12, 12, 3],
    w1: [3, 3, 3, 8],
    b1: [8],
    dw: [3, 3, 8, 1],
    b2: [8],
    w3: [1, 1, 8, 6],
    b3: [6],
    w4: [6 * 6 * 6, 5],
    b4: [5],
  };
  Object.entries(shapes).forEach(([name, shape], seed) => {
    feeds[`${name}:0`] = tf.randomUniform(shape, -1, 1, 'float32', seed + 11);
  });
  return { g, b, feeds, pre1, h1, y, loss, w3, w4 };
}
const out = (n: { name: string }) => `${n.name}:0`;

/** Runs `fetches` and returns their values and the names of the kernels that ran. */
async function profiled(session: Session, fetches: string[], feeds: Record<string, tf.Tensor>) {
  let values: Float32Array[] = [];
  const info = await tf.profile(async () => {
    const r = (await session.run(fetches, feeds)) as tf.Tensor[];
    values = r.map((t) => t.dataSync() as Float32Array);
    for (const t of r) t.dispose();
  });
  return { values, kernels: new Set(info.kernelNames) };
}

/**
 * Largest |a - b| relative to the tensor's scale (its largest |b|, at least 1): reassociating float32 sums moves each
 * value by a few ulps of the magnitudes summed, not of the (possibly cancelling) result.
 */
function worst(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!));
  return w / scale;
}

describe('fusion in the plan', () => {
  it('runs the chains as fused kernels with the values of the unfused ops', async () => {
    const { g, feeds, y } = net();
    const fused = new Session(g, { backend: 'wasm' });
    const apart = new Session(g, { backend: 'wasm', fuse: false });
    const a = await profiled(fused, [y], feeds);
    const b = await profiled(apart, [y], feeds);
    expect(a.kernels).toContain('FusedConv2D');
    expect(a.kernels).toContain('FusedDepthwiseConv2D');
    expect(a.kernels).toContain('_FusedMatMul');
    for (const k of ['Conv2D', 'DepthwiseConv2dNative', 'BiasAdd', 'Add', 'Relu', 'Relu6', 'Elu', 'BatchMatMul'])
      expect(a.kernels).not.toContain(k);
    // unfused: the plain kernels, no fused one
    expect(b.kernels).toContain('Conv2D');
    expect(b.kernels).toContain('Relu');
    expect(b.kernels).not.toContain('FusedConv2D');
    expect(a.values[0]!.length).toBe(10);
    expect(a.values[0]!.some((v) => Math.abs(v) > 0.1)).toBe(true);
    expect(worst(a.values[0]!, b.values[0]!)).toBeLessThan(1e-5);
    fused.close();
    apart.close();
  });

  it('keeps a chain apart where the run reads its intermediate', async () => {
    const { g, feeds, pre1, h1, y } = net();
    const fused = new Session(g, { backend: 'wasm' });
    const apart = new Session(g, { backend: 'wasm', fuse: false });
    // pre1 (conv + bias) is fetched: conv + bias still fuse, the Relu after it runs on its own
    const a = await profiled(fused, [pre1, h1, y], feeds);
    const b = await profiled(apart, [pre1, h1, y], feeds);
    expect(a.kernels).toContain('Relu');
    expect(a.kernels).toContain('FusedConv2D');
    for (let k = 0; k < 3; k++) expect(worst(a.values[k]!, b.values[k]!)).toBeLessThan(1e-5);
    // h1 is relu(pre1) exactly, as fetched in the same run
    const [p, h] = [a.values[0]!, a.values[1]!];
    for (let i = 0; i < p.length; i++) expect(h[i]).toBe(Math.max(0, p[i]!));
    fused.close();
    apart.close();
  });

  it('fuses the forward pass of a training run: its gradients read only the activations', async () => {
    // EluGrad reads the fused matmul + bias + elu's output; the depthwise convolution has no backprop kernel here
    const { g, b, feeds, loss, w3, w4 } = net();
    const grads = b.gradients(loss, [w3, w4]) as string[];
    const fused = new Session(g, { backend: 'wasm' });
    const apart = new Session(g, { backend: 'wasm', fuse: false });
    const a = await profiled(fused, [loss, ...grads], feeds);
    const c = await profiled(apart, [loss, ...grads], feeds);
    expect(a.kernels).toContain('FusedConv2D');
    expect(a.kernels).toContain('_FusedMatMul');
    expect(c.kernels).not.toContain('FusedConv2D');
    expect(a.values[0]![0]).toBeGreaterThan(0.1);
    for (let k = 0; k < a.values.length; k++) {
      expect(a.values[k]!.some((v) => v !== 0)).toBe(true);
      expect(worst(a.values[k]!, c.values[k]!)).toBeLessThan(1e-5);
    }
    fused.close();
    apart.close();
  });

  it('keeps the chain apart for a gradient that reads the pre-activation value', async () => {
    // LeakyReluGrad reads LeakyRelu's input; here another op reads BiasAdd's output the same way: a Sum beside Relu
    const { g, b, feeds, pre1, h1 } = net();
    const side = b.reduceSum(pre1, [0, 1, 2, 3], false, 'side');
    const fused = new Session(g, { backend: 'wasm' });
    const a = await profiled(fused, [h1, side], feeds);
    expect(a.kernels).toContain('Relu');
    const apart = new Session(g, { backend: 'wasm', fuse: false });
    const c = await profiled(apart, [h1, side], feeds);
    expect(worst(a.values[0]!, c.values[0]!)).toBeLessThan(1e-5);
    expect(worst(a.values[1]!, c.values[1]!)).toBeLessThan(1e-5);
    fused.close();
    apart.close();
  });
});

describe('fused matmul', () => {
  it('keeps MatMul transposes (transpose_a, transpose_b) and a Relu6 activation', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const x = b.placeholder('float32', [7, 4], 'x');
    const w = b.placeholder('float32', [6, 7], 'w');
    const bias = b.placeholder('float32', [6], 'bias');
    const y = b.relu6(b.biasAdd(b.matmul(x, w, { transposeA: true, transposeB: true }), bias), 'y');
    const feeds = {
      'x:0': tf.randomUniform([7, 4], -2, 2, 'float32', 21),
      'w:0': tf.randomUniform([6, 7], -2, 2, 'float32', 22),
      'bias:0': tf.randomUniform([6], -1, 1, 'float32', 23),
    };
    const fused = new Session(g, { backend: 'wasm' });
    const a = await profiled(fused, [y], feeds);
    expect(a.kernels).toContain('_FusedMatMul');
    expect(a.kernels).not.toContain('Relu6');
    // expected from the definition, in float64: relu6(x^T w^T + bias)
    const [xv, wv, bv] = [feeds['x:0'].dataSync(), feeds['w:0'].dataSync(), feeds['bias:0'].dataSync()];
    const got = a.values[0]!;
    expect(got.length).toBe(4 * 6);
    let clipped = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 6; j++) {
        let sum = bv[j]!;
        for (let k = 0; k < 7; k++) sum += xv[k * 4 + i]! * wv[j * 7 + k]!;
        const want = Math.min(6, Math.max(0, sum));
        if (want === 0 || want === 6) clipped++;
        expect(got[i * 6 + j]).toBeCloseTo(want, 4);
      }
    }
    expect(clipped).toBeGreaterThan(0);
    expect(clipped).toBeLessThan(24);
    fused.close();
  });
});
