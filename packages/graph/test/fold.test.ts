// Run-time constant folding (src/runtime/fold.ts, SessionOptions.foldConstants): a gradient's shape arithmetic runs
// once, a fed tensor of another shape recomputes it, values are those of a session that folds nothing, no tensor
// accumulates over runs, and ops with state or randomness always run.
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder, gradients, Session } from '@tensorgraft/graph';
import { describe, expect, it, vi } from 'vitest';

/** A softmax-free classifier's loss and its gradients: the mean's gradient needs the batch size (Shape, Prod...). */
function model() {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [null, 6], 'x');
  const w = b.variable('w', [6, 3], { constant: Array.from({ length: 18 }, (_, k) => Math.sin(k) / 2) });
  const logits = b.matmul(x, w.value);
  const loss = b.reduceMean(b.square(b.sub(logits, b.reduceMean(logits, [1], true))), [0, 1], false, 'loss');
  const [dx, dw] = gradients(g, [loss], [x, w.value]);
  return { g, b, x, w, loss, dx: dx!, dw: dw!, init: b.globalVariablesInitializer() };
}

const batch = (n: number, seed: number) => tf.randomUniform([n, 6], -1, 1, 'float32', seed);
const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

/** Runs `fn` with the profile printing silenced; the profile stays on the session. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await fn();
  } finally {
    write.mockRestore();
  }
}

describe('run-time constant folding', () => {
  it('gives the values of a session that folds nothing, over batch sizes 2, 5 and 2 again', async () => {
    const m = model();
    const folding = new Session(m.g);
    const plain = new Session(m.g, { foldConstants: false });
    await folding.run(m.init);
    await plain.run(m.init);
    for (const [n, seed] of [
      [2, 1],
      [5, 2],
      [5, 3],
      [2, 4],
    ] as const) {
      const x = batch(n, seed);
      const got = (await folding.run([m.loss, m.dx, m.dw], { [m.x]: x })) as tf.Tensor[];
      const want = (await plain.run([m.loss, m.dx, m.dw], { [m.x]: x })) as tf.Tensor[];
      expect(got[1]!.shape).toEqual([n, 6]);
      for (const [k, t] of got.entries()) expect(bits(t), `batch ${n}, fetch ${k}`).toEqual(bits(want[k]!));
      for (const t of [...got, ...want, x]) t.dispose();
    }
    folding.close();
    plain.close();
  });

  it('runs the shape arithmetic once: the second run has no Shape, Prod or Fill kernel', async () => {
    const m = model();
    const kernels = async (fold: boolean) => {
      const s = new Session(m.g, { profile: true, foldConstants: fold });
      const x = batch(4, 7);
      const runs = await quietly(async () => {
        await s.run(m.init);
        const out: Record<string, number>[] = [];
        for (let r = 0; r < 2; r++) {
          for (const t of (await s.run([m.dx, m.dw], { [m.x]: x })) as tf.Tensor[]) t.dispose();
          out.push(Object.fromEntries(s.lastRunProfile!.ops.map((o) => [o.op, o.count])));
        }
        return out;
      });
      x.dispose();
      s.close();
      return runs;
    };
    const [first, second] = await kernels(true);
    const [plainFirst, plainSecond] = await kernels(false);
    expect(first!.Shape).toBeGreaterThan(0);
    expect(second!.Shape).toBeUndefined();
    expect(second!.Prod).toBeUndefined();
    expect(second!.Const).toBeUndefined();
    // the data path still runs
    expect(second!.MatMul).toBe(first!.MatMul);
    expect(second!.Square).toBe(first!.Square);
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(total(second!)).toBeLessThan(total(first!));
    expect(plainSecond).toEqual(plainFirst);
  });

  it('keeps a fixed set of tensors over runs and frees them on close', async () => {
    const m = model();
    const before = tf.memory().numTensors;
    const s = new Session(m.g);
    await s.run(m.init);
    const x = batch(3, 9);
    const step = async () => {
      for (const t of (await s.run([m.loss, m.dw], { [m.x]: x })) as tf.Tensor[]) t.dispose();
    };
    await step();
    await step();
    const settled = tf.memory().numTensors;
    for (let r = 0; r < 10; r++) await step();
    expect(tf.memory().numTensors).toBe(settled);
    // a new batch size replaces the folded shape values, it does not add to them
    const y = batch(7, 10);
    for (const t of (await s.run([m.loss, m.dw], { [m.x]: y })) as tf.Tensor[]) t.dispose();
    expect(tf.memory().numTensors).toBe(settled + 1);
    y.dispose();
    x.dispose();
    s.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('never folds a random op or a variable read, whether the variable is assigned or updated in place', async () => {
    const g = new Graph();
    const b = new GraphBuilder(g);
    const shape = b.constant([2, 3], { dtype: 'int32' });
    const random = b.op(
      'RandomUniform',
      [shape],
      { dtype: attr.type(1), T: attr.type(3), seed: attr.i(0), seed2: attr.i(0) },
      'random',
    ).name;
    const v = b.variable('v', [3], { constant: [1, 2, 3] });
    const twice = b.mul(v.value, b.constant(2), 'twice');
    const set = b.assign(v, b.constant([5, 6, 7]), 'set');
    // writes the variable's storage in place: the value read next is the same tensor object with new values
    const descend = b.op(
      v.resource ? 'ResourceApplyGradientDescent' : 'ApplyGradientDescent',
      [v.name, b.constant(1), b.constant([1, 1, 1])],
      { T: attr.type(1), use_locking: attr.b(false) },
      'descend',
    ).name;
    const init = b.globalVariablesInitializer();
    const s = new Session(g);
    await s.run(init);
    const r1 = (await s.run(`${random}:0`))!;
    const r2 = (await s.run(`${random}:0`))!;
    expect(bits(r1)).not.toEqual(bits(r2));
    const t1 = (await s.run(twice))!;
    await s.run(set);
    const t2 = (await s.run(twice))!;
    await s.run(descend);
    const t3 = (await s.run(twice))!;
    expect(Array.from(t1.dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(t2.dataSync())).toEqual([10, 12, 14]);
    expect(Array.from(t3.dataSync())).toEqual([8, 10, 12]);
    for (const t of [r1, r2, t1, t2, t3]) t.dispose();
    s.close();
  });
});
