// The memory budget (src/runtime/memory-budget.ts): a run whose live tensors would not fit the backend's heap fails
// with OUT_OF_MEMORY naming the node, instead of returning wrong values (issue 12's reproducer: four live
// 2^28-element Fill outputs made a constant [1, 2, 3] read back as [1, 1, 1] on the WebAssembly backend), and a run
// just under the budget stays correct (memory-budget-fresh.test.ts: that one needs a heap big tensors never
// fragmented).
import * as tf from '@tensorflow/tfjs-core';
import { GraphError, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { BIG, expectIntact, fills, MiB } from './memory-helpers.js';

describe('memory budget', () => {
  it('four live 2^28-element Fill outputs: OUT_OF_MEMORY naming the fourth, and the session stays right', async () => {
    const { graph, fetches } = fills([BIG, BIG, BIG, BIG]);
    const session = new Session(graph);
    const err = await session.run(fetches).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).code).toBe('OUT_OF_MEMORY');
    expect((err as GraphError).node).toBe('fill3');
    expect((err as GraphError).message).toMatch(/^Fill needs 1073741824 bytes more/);
    // the failed run freed what it held (only the small constants the session caches remain); a run after it is right
    expect(tf.memory().numBytes).toBeLessThan(1024);
    const again = await session.run(fetches.slice(0, 2));
    expectIntact(again);
    tf.dispose(again as tf.Tensor[]);
    session.close();
  });

  it('a malloc the fragmented heap refuses below the budget is OUT_OF_MEMORY too, never wrong values', async () => {
    // 60 MiB stay live at the bottom of a heap that held 3 GiB: three more 1 GiB fills are under the budget, but
    // tfjs-backend-wasm's allocator refuses the third here (its malloc returned 0, and the run read [1, 1, 1])
    const held = tf.fill([15 * MiB], 7);
    const { graph, fetches } = fills([BIG, BIG, BIG]);
    const s = new Session(graph);
    const out = await s.run(fetches).catch((e: unknown) => e);
    if (out instanceof GraphError) {
      expect(out.code).toBe('OUT_OF_MEMORY');
      expect(out.node).toMatch(/^fill[12]$/);
    } else {
      expectIntact(out as tf.Tensor[]);
      tf.dispose(out as tf.Tensor[]);
    }
    const [lo, hi] = [tf.min(held), tf.max(held)];
    expect([lo.dataSync()[0], hi.dataSync()[0]]).toEqual([7, 7]);
    tf.dispose([held, lo, hi]);
    s.close();
  });

  it('a set budget: 60 MiB of 64 runs, a second fill past it fails naming that node', async () => {
    const under = fills([15 * MiB]);
    const s1 = new Session(under.graph, { memoryBudget: 64 * MiB + tf.memory().numBytes });
    const out = await s1.run(under.fetches);
    expectIntact(out);
    tf.dispose(out as tf.Tensor[]);
    s1.close();
    const over = fills([10 * MiB, 10 * MiB]);
    const s2 = new Session(over.graph, { memoryBudget: 64 * MiB + tf.memory().numBytes });
    const err = await s2.run(over.fetches).catch((e: unknown) => e);
    expect((err as GraphError).code).toBe('OUT_OF_MEMORY');
    expect((err as GraphError).node).toBe('fill1');
    s2.close();
  });
});
