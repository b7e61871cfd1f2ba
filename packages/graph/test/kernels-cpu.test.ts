// The same op cases on the plain CPU backend (the fallback when WebAssembly is not available).
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';
import { defineOpCases } from './op-cases.js';

const graph = new Graph();
importGraphDef(graph, parseGraphDef(fixture('ops.pb')), { prefix: '' });
const session = new Session(graph, { backend: 'cpu' });
beforeAll(() => session.ready());
afterAll(() => session.close());

describe('kernels match TensorFlow on the CPU backend', () => {
  it('runs on the CPU backend', () => {
    expect(session.backend).toBe('cpu');
  });
  defineOpCases(() => session);
  it('needed no fallback', () => {
    expect(session.cpuFallbackOps).toEqual([]);
  });
});
