// The optimizer apply kernels against TensorFlow (fixtures/training/apply.pb + .json from make_training.py): every
// variable and slot after one and after two applies, on ref (Apply*) and resource (ResourceApply*) variables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphError, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';
import { expectClose } from './training-helpers.js';

const DIR = join(REPO, 'fixtures', 'training');

interface Value {
  shape: number[];
  values: number[];
}
interface Case {
  case: string;
  op: string;
  init: string;
  apply: string;
  reads: Record<string, string>;
  after: Record<string, Value>[];
}

const cases = (JSON.parse(readFileSync(join(DIR, 'apply.json'), 'utf8')) as { cases: Case[] }).cases;
const graph = new Graph();
importGraphDef(graph, parseGraphDef(new Uint8Array(readFileSync(join(DIR, 'apply.pb')))), { prefix: '' });
const session = new Session(graph);
afterAll(() => session.close());

describe('optimizer apply kernels match TensorFlow', () => {
  for (const c of cases) {
    it(`${c.op} (${c.case})`, async () => {
      expect(graph.requireNode(c.apply).op).toBe(c.op);
      await session.run(c.init);
      for (const after of c.after) {
        const out = await session.run(c.op.startsWith('Resource') ? c.apply : `${c.apply}:0`);
        if (c.op.startsWith('Resource')) expect(out).toBeNull();
        else {
          // a ref apply outputs the variable: its new value
          expectClose(out!.dataSync() as Float32Array, after.var!.values, 1e-6);
          out!.dispose();
        }
        const names = Object.keys(c.reads);
        const got = await session.run(names.map((k) => c.reads[k]!));
        for (const [k, name] of names.entries()) {
          expect(got[k]!.shape).toEqual(after[name]!.shape);
          expectClose(got[k]!.dataSync() as Float32Array, after[name]!.values, 1e-6);
          got[k]!.dispose();
        }
      }
    });
  }

  it('covers every apply op of the issues (RMSProp and Adagrad: issue 11), with and without Nesterov', () => {
    const ops = new Set(cases.map((c) => c.op));
    expect([...ops].sort()).toEqual([
      'ApplyAdagrad',
      'ApplyAdagradV2',
      'ApplyAdam',
      'ApplyCenteredRMSProp',
      'ApplyGradientDescent',
      'ApplyMomentum',
      'ApplyRMSProp',
      'ResourceApplyAdagrad',
      'ResourceApplyAdagradV2',
      'ResourceApplyAdam',
      'ResourceApplyCenteredRMSProp',
      'ResourceApplyGradientDescent',
      'ResourceApplyMomentum',
      'ResourceApplyRMSProp',
    ]);
    const nesterov = cases.filter((c) => graph.requireNode(c.apply).attr?.use_nesterov?.b === true);
    expect(nesterov.length).toBe(4);
  });

  it('a gradient of the wrong shape, an uninitialized slot and a non-scalar rate are typed errors', async () => {
    const g = new Graph();
    importGraphDef(g, parseGraphDef(new Uint8Array(readFileSync(join(DIR, 'apply.pb')))), { prefix: '' });
    const s = new Session(g);
    const c = cases.find((x) => x.case === 'ref_Adam')!;
    // not initialized: TensorFlow's wording
    await expect(s.run(c.apply)).rejects.toMatchObject({ code: 'UNINITIALIZED', node: c.apply });
    await s.run(c.init);
    const gradName = `${c.case}/grad:0`;
    const err = await s.run(c.apply, { [gradName]: tf.zeros([2, 2]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ code: 'KERNEL', node: c.apply });
    expect((err as Error).message).toContain('same shape');
    const lr = g.requireNode(c.apply).input![5]!;
    await expect(s.run(c.apply, { [`${lr}:0`]: tf.zeros([2]) })).rejects.toMatchObject({
      code: 'KERNEL',
      message: expect.stringContaining('not a scalar'),
    });
    s.close();
  });
});

describe('a value read before an update keeps the value it read', () => {
  it('ReadVariableOp before ResourceApplyGradientDescent, used after it: the old value, as TensorFlow gives', async () => {
    // TensorFlow 2.21 runs this graph to later = [2, 4] and v = [-9, -8]
    const F = 'attr { key: "dtype" value { type: DT_FLOAT } }';
    const text = `
      node { name: "v" op: "VarHandleOp" ${F} attr { key: "shape" value { shape { dim { size: 2 } } } } attr { key: "shared_name" value { s: "v" } } }
      node { name: "c" op: "Const" ${F} attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 1 float_val: 2 } } } }
      node { name: "init" op: "AssignVariableOp" input: "v" input: "c" ${F} }
      node { name: "read" op: "ReadVariableOp" input: "v" ${F} }
      node { name: "lr" op: "Const" input: "^read" ${F} attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
      node { name: "g" op: "Const" input: "^read" ${F} attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } } float_val: 10 } } } }
      node { name: "apply" op: "ResourceApplyGradientDescent" input: "v" input: "lr" input: "g" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "two" op: "Const" input: "^apply" ${F} attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 2 } } } }
      node { name: "later" op: "Mul" input: "read" input: "two" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "read_after" op: "ReadVariableOp" input: "v" ${F} }`;
    const g = new Graph();
    importGraphDef(g, parseGraphDef(text, { format: 'text' }), { prefix: '' });
    const s = new Session(g);
    await s.run('init');
    const later = (await s.run('later:0'))!;
    expect(Array.from(later.dataSync())).toEqual([2, 4]);
    const v = (await s.run('read_after:0'))!;
    expect(Array.from(v.dataSync())).toEqual([-9, -8]);
    tf.dispose([later, v]);
    s.close();
  });
});
