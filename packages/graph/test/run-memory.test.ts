// Session.lastRunMemory: the backend's live bytes at the start, the peak and the end of the last run. The bounds
// follow from the shapes: a chain's tensors that are alive together at some point bound the peak from below, and a
// run that hands nothing back (a target fetch) ends where it started.
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';

const N = 96;
const BYTES = N * N * 4;

function chain() {
  const g = new Graph();
  const b = new GraphBuilder(g);
  const x = b.placeholder('float32', [N, N], 'x');
  // x @ x is alive while relu writes its output (and x, uploaded by the run, while MatMul writes): two N x N at once
  const y = b.matmul(x, x);
  const z = b.relu(y, 'z');
  b.reduceSum(z, [0, 1], false, 'total');
  return g;
}

describe('Session.lastRunMemory', () => {
  const session = new Session(chain());
  const x = tf.randomUniform([N, N], -1, 1, 'float32', 5);
  afterAll(() => {
    session.close();
    x.dispose();
  });

  it('is undefined before the first run', () => {
    expect(session.lastRunMemory).toBeUndefined();
  });

  it('peaks at least at the two intermediates alive together and ends where it started for a target fetch', async () => {
    await session.run('total', { 'x:0': x }); // the plan is compiled; nothing of the run is kept
    const m = session.lastRunMemory!;
    expect(m.peakBytes - m.startBytes).toBeGreaterThanOrEqual(2 * BYTES);
    expect(m.endBytes).toBe(m.startBytes);
    expect(m.peakBytes).toBeGreaterThanOrEqual(m.endBytes);
  });

  it('ends with exactly the fetched tensors more', async () => {
    const [total, z] = (await session.run(['total:0', 'z:0'], { 'x:0': x })) as tf.Tensor[];
    const m = session.lastRunMemory!;
    expect(m.endBytes - m.startBytes).toBe(4 + BYTES);
    expect(m.peakBytes - m.startBytes).toBeGreaterThanOrEqual(2 * BYTES);
    total!.dispose();
    z!.dispose();
  });
});
