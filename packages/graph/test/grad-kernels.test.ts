// The kernels of TensorFlow's gradient graphs against TensorFlow's own outputs (fixtures/training/kernels.pb + .json
// from interop/fixtures/make_training.py), on the default (WebAssembly) backend and on the CPU backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { type BackendName, Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';
import { expectClose } from './training-helpers.js';

const DIR = join(REPO, 'fixtures', 'training');

interface Output {
  tensor: string;
  shape: number[];
  dtype: string;
  values: (number | boolean)[];
}
interface Case {
  case: number;
  op: string;
  node: string;
  outputs: Output[];
}

const cases = (JSON.parse(readFileSync(join(DIR, 'kernels.json'), 'utf8')) as { cases: Case[] }).cases;
const def = parseGraphDef(new Uint8Array(readFileSync(join(DIR, 'kernels.pb'))));

function check(t: tf.Tensor, want: Output): void {
  expect(t.shape).toEqual(want.shape);
  const got = Array.from(t.dataSync() as Float32Array | Int32Array | Uint8Array, Number);
  if (want.dtype.startsWith('int') || want.dtype === 'bool') expect(got).toEqual(want.values.map(Number));
  else expectClose(got, want.values as number[]);
}

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  describe(`gradient kernels match TensorFlow (${backend})`, () => {
    const graph = new Graph();
    importGraphDef(graph, def, { prefix: '' });
    const session = new Session(graph, { backend });
    afterAll(() => session.close());

    for (const c of cases) {
      it(`${c.op} (${c.node})`, async () => {
        const got = await session.run(c.outputs.map((o) => o.tensor));
        for (const [k, o] of c.outputs.entries()) check(got[k]!, o);
        for (const t of got) t?.dispose();
      });
    }

    it('covers the kernels of the issue', () => {
      const ops = new Set(cases.map((c) => c.op));
      for (const op of 'Conv2DBackpropInput Conv2DBackpropFilter BiasAddGrad ReluGrad Relu6Grad SigmoidGrad TanhGrad MaxPoolGrad AvgPoolGrad BroadcastGradientArgs DynamicStitch Reciprocal InvertPermutation PreventGradient'.split(
        ' ',
      ))
        expect(ops.has(op), op).toBe(true);
      // issue 11: TF-slim training graphs
      for (const op of 'DivNoNan MulNoNan Erfc CheckNumerics DepthwiseConv2dNativeBackpropInput DepthwiseConv2dNativeBackpropFilter FusedBatchNorm FusedBatchNormV2 FusedBatchNormV3 FusedBatchNormGrad FusedBatchNormGradV2 FusedBatchNormGradV3 L2Loss'.split(
        ' ',
      ))
        expect(ops.has(op), op).toBe(true);
      // the gradient kernels all run on wasm (the conv backprops as forward convs, MaxPoolGrad our own loop);
      // only UnsortedSegmentSum, which wasm lacks, runs on the CPU backend
      if (backend === 'wasm') expect(session.cpuFallbackOps).toEqual(['UnsortedSegmentSum']);
    });
  });
}
