// Every kernel against TensorFlow's output for the same graph (fixtures/models/ops.pb + ops.json from make_models.py).
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphError, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';
import { defineOpCases, spec } from './op-cases.js';

const graph = new Graph();
importGraphDef(graph, parseGraphDef(fixture('ops.pb')), { prefix: '' });
const session = new Session(graph);
const CPU_ONLY = ['Einsum', 'UnsortedSegmentSum'];
afterAll(() => session.close());

describe('kernels match TensorFlow', () => {
  defineOpCases(() => session);

  it('runs on the WebAssembly backend, with the kernels it lacks on the CPU backend', () => {
    expect(session.backend).toBe('wasm');
    // wasm has no kernel for these (checked against tfjs-backend-wasm 4.22.0's registry); they still gave TF's values
    expect(session.cpuFallbackOps).toEqual(CPU_ONLY);
  });

  it('random ops give the shape asked for and plausible values', async () => {
    const g = new Graph();
    importGraphDef(g, { node: [] });
    const { GraphBuilder } = await import('@tensorgraft/graph');
    const b = new GraphBuilder(g);
    const v = b.variable('v', [400, 50], { randomNormal: { stddev: 2, mean: 1 } });
    const s = new Session(g);
    await s.run(b.globalVariablesInitializer());
    const x = (await s.run(v.value))!;
    expect(x.shape).toEqual([400, 50]);
    const m = tf.moments(x);
    expect(m.mean.dataSync()[0]).toBeCloseTo(1, 1);
    expect(Math.sqrt(m.variance.dataSync()[0]!)).toBeCloseTo(2, 1);
    s.close();
  });

  it('a placeholder that is not fed is a FEED error naming it', async () => {
    await expect(session.run(spec.cases.Placeholder!.tensor)).rejects.toMatchObject({ code: 'FEED', node: 'x' });
  });

  it('a fed value of the wrong shape is refused before running', async () => {
    await expect(session.run(spec.cases.Placeholder!.tensor, { 'x:0': tf.zeros([2, 4]) })).rejects.toThrow(GraphError);
  });
});
