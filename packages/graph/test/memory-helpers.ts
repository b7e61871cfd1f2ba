// Graphs of big Fill outputs for the memory-budget tests, and a check that reads their values by reduction.
import * as tf from '@tensorflow/tfjs-core';
import { attr, Graph, GraphBuilder } from '@tensorgraft/graph';
import { expect } from 'vitest';

/** A graph with the constant c = [1, 2, 3] and one float32 Fill per size, fill<i> filled with i + 1. */
export function fills(sizes: readonly number[]): { graph: Graph; fetches: string[] } {
  const graph = new Graph();
  const b = new GraphBuilder(graph);
  const c = b.constant([1, 2, 3], { name: 'c' });
  const fetches = [c];
  for (const [i, n] of sizes.entries()) {
    const dims = b.constant([n], { dtype: 'int32', name: `dims${i}` });
    const value = b.constant(i + 1, { name: `value${i}` });
    const node = b.op('Fill', [dims, value], { T: attr.type(1), index_type: attr.type(3) }, `fill${i}`);
    fetches.push(`${node.name}:0`);
  }
  return { graph, fetches };
}

/** Every fetched fill holds only its value, and the constant is intact; reads reductions, not gigabytes. */
export function expectIntact(out: (tf.Tensor | null)[]): void {
  expect(Array.from(out[0]!.dataSync())).toEqual([1, 2, 3]);
  for (const [i, t] of out.slice(1).entries()) {
    const [lo, hi] = [tf.min(t!), tf.max(t!)];
    expect([lo.dataSync()[0], hi.dataSync()[0]]).toEqual([i + 1, i + 1]);
    tf.dispose([lo, hi]);
  }
}

export const MiB = 1024 * 1024;
export const BIG = 2 ** 28;
