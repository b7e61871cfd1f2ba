// The op cases of fixtures/models/ops.json (TensorFlow's outputs for ops.pb), run on a given session.
import * as tf from '@tensorflow/tfjs-core';
import type { Session } from '@tensorgraft/graph';
import { expect, it } from 'vitest';
import { fixtureJson } from './helpers.js';

export interface Case {
  tensor: string;
  shape: number[];
  kind: string;
  values: (number | string)[];
}
export const spec = fixtureJson<{
  feeds: Record<string, { shape: number[]; values: number[] }>;
  cases: Record<string, Case>;
}>('ops.json');

/** One test per op case, comparing the session's output with TensorFlow's. */
export function defineOpCases(session: () => Session): void {
  for (const [name, c] of Object.entries(spec.cases)) {
    it(name, async () => {
      const feeds = Object.fromEntries(Object.entries(spec.feeds).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
      const t = (await session().run(c.tensor, feeds))!;
      expect(t.shape).toEqual(c.shape);
      if (c.kind === 'S' || c.kind === 'O') {
        expect(t.dataSync()).toEqual(c.values);
      } else if (c.kind === 'f') {
        const got = Array.from(t.dataSync() as Float32Array);
        for (const [i, v] of c.values.entries()) expect(got[i]).toBeCloseTo(v as number, 5);
      } else {
        expect(Array.from(t.dataSync() as Int32Array, Number)).toEqual(c.values);
      }
      t.dispose();
      for (const f of Object.values(feeds)) f.dispose();
    });
  }
}
