// SessionOptions.profile: kernel time by op type. Counts follow from the graph (one kernel per node run); times are
// the machine's, so only their bookkeeping is checked: non-negative, summed into kernelMs, within the run's time.
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { afterAll, describe, expect, it, vi } from 'vitest';

function twoRelus() {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [4, 4], 'x');
  const y = b.relu(b.matmul(x, x));
  b.relu(y, 'z');
  return g;
}

describe('SessionOptions.profile', () => {
  const x = tf.randomUniform([4, 4], -1, 1, 'float32', 5);
  afterAll(() => x.dispose());

  it('counts each op type, sums the times and prints the table to stderr', async () => {
    const session = new Session(twoRelus(), { profile: true });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let printed: string;
    try {
      (await session.run('z:0', { 'x:0': x }))!.dispose();
    } finally {
      printed = write.mock.calls.map((c) => String(c[0])).join('');
      write.mockRestore();
      session.close();
    }
    const p = session.lastRunProfile!;
    const counts = Object.fromEntries(p.ops.map((r) => [r.op, r.count]));
    // the fed placeholder runs no kernel
    expect(counts).toEqual({ MatMul: 1, Relu: 2 });
    expect(p.ops.every((r) => r.ms >= 0)).toBe(true);
    expect(p.kernelMs).toBeCloseTo(
      p.ops.reduce((s, r) => s + r.ms, 0),
      9,
    );
    expect(p.kernelMs).toBeLessThanOrEqual(p.totalMs);
    expect(printed).toMatch(/^op type +count +total ms +%$/m);
    expect(printed).toMatch(/^Relu +2 +\d+\.\d +\d+\.\d$/m);
  });

  it('is off by default: no profile is kept', async () => {
    const session = new Session(twoRelus(), { profile: false });
    (await session.run('z:0', { 'x:0': x }))!.dispose();
    expect(session.lastRunProfile).toBeUndefined();
    session.close();
  });
});
