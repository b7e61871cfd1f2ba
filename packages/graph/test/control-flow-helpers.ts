// Loads a fixtures/control-flow case (graph + TensorFlow's values) and compares a run with TensorFlow's outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { expect } from 'vitest';
import { REPO } from './helpers.js';

export const CONTROL_FLOW = join(REPO, 'fixtures', 'control-flow');

export interface CaseRun {
  feeds: Record<string, unknown>;
  values: Record<string, number[]>;
  shapes: Record<string, number[]>;
}
export interface CaseSpec {
  ops: string[];
  init: string;
  fetch: string[];
  variables: Record<string, { shape: number[]; values: number[] }>;
  runs: CaseRun[];
  training?: {
    loss: string;
    train: string;
    feed: Record<string, unknown>;
    losses: number[];
    after: Record<string, number[]>;
    /** Largest relative difference between TensorFlow's own runs with oneDNN on and off. */
    spread_onednn_off: number;
  };
}

export function loadCase(name: string): { graph: Graph; spec: CaseSpec } {
  const spec = JSON.parse(readFileSync(join(CONTROL_FLOW, `${name}.json`), 'utf8')) as CaseSpec;
  const graph = new Graph();
  importGraphDef(graph, parseGraphDef(new Uint8Array(readFileSync(join(CONTROL_FLOW, `${name}.pb`)))), { prefix: '' });
  return { graph, spec };
}

/** A session with every variable set to TensorFlow's initial value. */
export function sessionFor(graph: Graph, spec: CaseSpec): Session {
  const session = new Session(graph);
  for (const [name, v] of Object.entries(spec.variables)) {
    const t = tf.tensor(v.values, v.shape, 'float32');
    session.assignVariable(name, t);
    t.dispose();
  }
  return session;
}

/** Feeds of a fixture run as tensors of the placeholders' dtypes. */
export function feedsOf(graph: Graph, feeds: Record<string, unknown>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [key, value] of Object.entries(feeds)) {
    const node = graph.requireNode(key.split(':')[0]!);
    const dt = node.attr.dtype?.type;
    const dtype = dt === 3 ? 'int32' : dt === 10 ? 'bool' : 'float32';
    out[key] = tf.tensor(value as number[], undefined, dtype);
  }
  return out;
}

/** The largest relative difference (floor 1 on the scale) between our values and TensorFlow's. */
export function maxRelDiff(got: ArrayLike<number>, want: readonly number[]): number {
  let worst = got.length === want.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  }
  return worst;
}

/** Relative error against TensorFlow's values, with a floor of 1 on the scale (values near zero compare absolutely). */
export function expectRelClose(got: ArrayLike<number>, want: readonly number[], tol = 1e-5, what = ''): number {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  }
  expect(worst, what).toBeLessThanOrEqual(tol);
  return worst;
}

/** Runs every fixture run of the case and compares each fetch with TensorFlow's value and shape. */
export async function expectRunsMatch(session: Session, graph: Graph, spec: CaseSpec): Promise<void> {
  for (const run of spec.runs) {
    const feeds = feedsOf(graph, run.feeds);
    const outs = (await session.run(spec.fetch, feeds)) as tf.Tensor[];
    for (const [k, name] of spec.fetch.entries()) {
      expect(outs[k]!.shape, name).toEqual(run.shapes[name]);
      expectRelClose(outs[k]!.dataSync() as unknown as number[], run.values[name]!, 1e-5, name);
    }
    for (const t of [...outs, ...Object.values(feeds)]) t.dispose();
  }
}
