// The memory budget's other half (memory-budget.test.ts has the failures): a run just under the default budget stays
// correct. Its own file, so it gets a fresh WebAssembly heap: after gigabyte tensors came and went, the allocator can
// refuse less than the budget (which then fails typed, tested there).
import * as tf from '@tensorflow/tfjs-core';
import { defaultMemoryBudget, Graph, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { BIG, expectIntact, fills, MiB } from './memory-helpers.js';

describe('memory budget on a fresh heap', () => {
  it('a run just under the default budget stays correct', async () => {
    const session = new Session(new Graph());
    const budget = defaultMemoryBudget(await session.ready());
    session.close();
    // three 1 GiB fills and a last one taking the live total to 1 MiB under the budget (on wasm: 3.75 GiB of 4)
    const live = tf.memory().numBytes + 3 * 4 * BIG + 12 + 2 * 4 * 4;
    const last = Math.floor((budget - live - MiB) / 4);
    expect(last).toBeGreaterThan(0);
    const { graph, fetches } = fills([BIG, BIG, BIG, last]);
    const s = new Session(graph);
    const out = await s.run(fetches);
    expectIntact(out);
    tf.dispose(out as tf.Tensor[]);
    s.close();
  });
});
