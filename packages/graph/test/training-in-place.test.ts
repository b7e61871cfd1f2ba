// Optimizer updates in place (src/runtime/kernels/training.ts, issue 11: a VGG-16 step ran out of the 4 GiB
// WebAssembly heap): an apply whose variable and slots no later op of the run reads writes them where they lie (no
// tfjs kernel runs, no new tensor), with TensorFlow's values (fixtures/training/apply.json); an update that cannot
// fit is a typed OUT_OF_MEMORY naming the apply, never an out-of-bounds access.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder, GraphError, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';
import { applyCases, expectClose } from './training-helpers.js';

const DIR = join(REPO, 'fixtures', 'training');

const cases = applyCases();
const IN_PLACE = /^(Resource)?Apply(GradientDescent|Momentum|RMSProp|CenteredRMSProp)$/;

function load(): Graph {
  const graph = new Graph();
  importGraphDef(graph, parseGraphDef(new Uint8Array(readFileSync(join(DIR, 'apply.pb')))), { prefix: '' });
  return graph;
}

describe('optimizer updates in place', () => {
  const inPlace = cases.filter((c) => IN_PLACE.test(c.op));

  it('covers GradientDescent, Momentum (and Nesterov), RMSProp and centered RMSProp, ref and resource', () => {
    expect(new Set(inPlace.map((c) => c.op)).size).toBe(8);
  });

  for (const c of inPlace) {
    it(`${c.op} (${c.case}): no kernel, no new tensor, TensorFlow's values`, async () => {
      const s = new Session(load());
      await s.run(c.init);
      for (const [step, after] of c.after.entries()) {
        const before = tf.memory().numTensors;
        const info = await tf.profile(async () => {
          await s.run(c.apply);
          return [];
        });
        // only the variables' own storage changed: no arithmetic kernel ran, and after the first run (which caches
        // the graph's constants) nothing new is live
        expect(info.kernels.map((k) => k.name)).toEqual([]);
        if (step > 0) expect(tf.memory().numTensors).toBe(before);
        const names = Object.keys(c.reads);
        const got = await s.run(names.map((k) => c.reads[k]!));
        for (const [k, name] of names.entries()) {
          expectClose(got[k]!.dataSync() as Float32Array, after[name]!.values, 1e-6);
          got[k]!.dispose();
        }
      }
      s.close();
    });
  }

  /**
   * Builds x -> conv(w) -> head(conv), runs the head, updates w by ApplyGradientDescent, runs it again, and returns that
   * with what a fresh session computes from the updated w (and the first run's output).
   */
  async function outputsAroundAnUpdate(head: (b: GraphBuilder, conv: string) => string, fuse?: boolean) {
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const x = b.constant(
      Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => ((i * 7) % 11) / 11 - 0.5),
      { shape: [2, 5, 5, 3], name: 'x' },
    );
    const w = b.variable('w', [3, 3, 3, 4], { constant: Array.from({ length: 108 }, (_, i) => ((i * 5) % 13) / 13) });
    const y = head(b, b.conv2d(x, w.value, [1, 1], 'SAME', 'conv'));
    const lr = b.constant(0.5, { name: 'lr' });
    const g = b.constant(
      Array.from({ length: 108 }, (_, i) => ((i * 3) % 7) - 3),
      { shape: [3, 3, 3, 4], name: 'g' },
    );
    b.op('ApplyGradientDescent', [w.name, lr, g], { T: attr.type(1) }, 'apply');
    const s = new Session(graph, { fuse });
    await s.run(w.initializer);
    const fused = s.planNodes([y], []).filter((n) => n.fusedOps.length);
    const before = Array.from((await s.run(y))!.dataSync()); // the filter is packed and cached (or folded) now
    await s.run('apply');
    const [after, updated] = (await s.run([y, w.value])) as tf.Tensor[];
    const fresh = new Session(graph, { fuse });
    fresh.assignVariable(w.name, updated!);
    const want = (await fresh.run(y))!;
    const out = { fused, before, after: Array.from(after!.dataSync()), want: Array.from(want.dataSync()) };
    tf.dispose([after!, updated!, want]);
    s.close();
    fresh.close();
    return out;
  }

  it('a convolution after an in-place update computes with the new filter, as a fresh session does', async () => {
    // the wasm backend's XNNPACK convolution keeps a packed copy of the filter by tensor id: the update must drop it
    const { after, want } = await outputsAroundAnUpdate((_, conv) => conv);
    expect(after).toEqual(want);
  });

  it('a batch norm folded into a convolution follows an optimizer update of the filter', async () => {
    // the folded filter is cached by its inputs' identity and in-place change count (in-place.ts changeCount)
    const bn = (b: GraphBuilder, conv: string) => {
      const stat = (name: string, values: number[]) => b.constant(values, { shape: [4], name });
      const scale = stat('scale', [1.5, 0.5, 2, 1]);
      const offset = stat('offset', [0.1, -0.2, 0.3, 0]);
      const stats = [stat('mean', [0.2, 0.1, -0.3, 1]), stat('variance', [1, 2, 0.5, 4])];
      const attrs = { T: attr.type(1), U: attr.type(1), epsilon: attr.f(0.001), is_training: attr.b(false) };
      return `${b.op('FusedBatchNormV3', [conv, scale, offset, ...stats], { ...attrs, data_format: attr.s('NHWC') }, 'bn').name}:0`;
    };
    const { fused, before, after, want } = await outputsAroundAnUpdate(bn, true);
    expect(fused).toEqual([{ name: 'bn', op: '_FusedConv2D', fusedOps: ['FusedBatchNorm'] }]);
    expect(after).not.toEqual(before);
    expect(after).toEqual(want);
  });

  it('an update that cannot fit the memory budget is OUT_OF_MEMORY naming the apply and the bytes', async () => {
    const c = cases.find((x) => x.op === 'ResourceApplyMomentum')!;
    const graph = load();
    const probe = new Session(graph);
    await probe.run(c.init);
    // what a run of the init holds once done: the budget below leaves no byte for a new value of the variable
    const live = tf.memory().numBytes;
    probe.close();
    const s = new Session(graph, { memoryBudget: live + 64 });
    await s.run(c.init);
    // the variable's value is fetched in the same run: it cannot be updated in place, a new value is needed
    const err = await s.run([c.apply, c.reads.var!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ code: 'OUT_OF_MEMORY', node: c.apply });
    expect((err as Error).message).toMatch(/^\w+ needs \d+ bytes more/);
    s.close();
  });
});

describe('AddN in place', () => {
  /** y = AddN(x * 3, x * x[, x * 0.5]) [+ x * x fetched too]; returns y and whether an AddN kernel ran. */
  async function addN(fetchAnInput: boolean, count = 3) {
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const x = b.placeholder('float32', [4], 'x');
    const terms = [b.mul(x, b.constant(3)), b.mul(x, x), b.mul(x, b.constant(0.5))].slice(0, count);
    const y = `${b.op('AddN', terms, { N: attr.i(count), T: attr.type(1) }, 'sum').name}:0`;
    const s = new Session(graph);
    const xs = tf.tensor1d([0.1, -2.5, 3.3333333, 1e7]);
    let got: tf.Tensor[] = [];
    const info = await tf.profile(async () => {
      got = (await s.run(fetchAnInput ? [y, terms[1]!] : [y], { [x]: xs })) as tf.Tensor[];
      return [];
    });
    const want = tf.tidy(() => tf.addN([tf.mul(xs, 3), tf.mul(xs, xs), tf.mul(xs, 0.5)].slice(0, count)));
    const out = {
      y: Array.from(got[0]!.dataSync()),
      want: Array.from(want.dataSync()),
      square: got[1] ? Array.from(got[1].dataSync()) : undefined,
      ranAddN: info.kernels.some((k) => k.name === 'AddN'),
    };
    tf.dispose([...got, xs, want]);
    s.close();
    return out;
  }

  it('sums into an input no later op reads: no AddN kernel, the bits of tf.addN', async () => {
    const { y, want, ranAddN } = await addN(false);
    expect(ranAddN).toBe(false);
    expect(y).toEqual(want);
  });

  it('sums two inputs (its own loop) with the bits of tf.addN', async () => {
    const { y, want, ranAddN } = await addN(false, 2);
    expect(ranAddN).toBe(false);
    expect(y).toEqual(want);
  });

  it('leaves an input that is fetched too as it was', async () => {
    const { y, want, square } = await addN(true);
    expect(y).toEqual(want);
    expect(square).toEqual([0.1, -2.5, 3.3333333, 1e7].map((v) => Math.fround(Math.fround(v) * Math.fround(v))));
  });
});
