// Ref and resource variables through a sequence of runs, against TensorFlow's values at each step
// (fixtures/models/state.pb + state.json), and the random ops of the ops graph.
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureJson } from './helpers.js';

interface Step {
  run: string[];
  feed?: Record<string, number[]>;
  fetch: string[];
  values: number[][];
}

describe('variables step by step, as TensorFlow', () => {
  it('gives the same values after every run', async () => {
    const { steps } = fixtureJson<{ steps: Step[] }>('state.json');
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(fixture('state.pb')), { prefix: '' });
    const session = new Session(graph);
    for (const step of steps) {
      const feeds = Object.fromEntries(Object.entries(step.feed ?? {}).map(([k, v]) => [k, tf.tensor(v)]));
      for (const op of step.run) await session.run(op, feeds);
      const got = (await session.run(step.fetch)) as tf.Tensor[];
      expect(got.map((t) => Array.from(t.dataSync(), Number))).toEqual(step.values);
      for (const t of [...got, ...Object.values(feeds)]) t.dispose();
    }
    session.close();
  });
});

describe('random ops from a TensorFlow graph', () => {
  it('RandomUniform in [0, 1), TruncatedNormal within two standard deviations', async () => {
    const graph = new Graph();
    importGraphDef(graph, parseGraphDef(fixture('ops.pb')), { prefix: '' });
    const session = new Session(graph);
    const [u, t] = (await session.run(['random_uniform/RandomUniform:0', 'truncated_normal:0'])) as tf.Tensor[];
    expect(u!.shape).toEqual([500]);
    const uv = Array.from(u!.dataSync());
    expect(Math.min(...uv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uv)).toBeLessThan(1);
    expect(uv.reduce((a, b) => a + b, 0) / uv.length).toBeCloseTo(0.5, 1);
    const tv = Array.from(t!.dataSync());
    expect(Math.max(...tv.map(Math.abs))).toBeLessThanOrEqual(2);
    u!.dispose();
    t!.dispose();
    session.close();
  });
});
