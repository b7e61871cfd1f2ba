// tf.gradients wraps gradients in tuple(): every gradient op becomes a control input of the others (group_deps), so
// a train op would also compute gradients nobody uses (a dense layer's dX over its input features). The executor
// drops pure computations that only control inputs ask for, and keeps anything that writes state or checks values.
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importGraphDef, parseGraphDef, Session } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';

const F = 'attr { key: "T" value { type: DT_FLOAT } }';
const CONST = (name: string, v: number, dims: number[]) =>
  `node { name: "${name}" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { ${dims.map((d) => `dim { size: ${d} }`).join(' ')} } float_val: ${v} } } } }`;

const TEXT = [
  `node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }`,
  CONST('w', 0.5, [2, 2]),
  CONST('two', 2, []),
  CONST('one', 1, []),
  `node { name: "dx" op: "MatMul" input: "x" input: "w" ${F} }`,
  `node { name: "dw" op: "Mul" input: "x" input: "two" ${F} }`,
  `node { name: "group_deps" op: "NoOp" input: "^dx" input: "^dw" }`,
  `node { name: "dw_out" op: "Identity" input: "dw" input: "^group_deps" ${F} }`,
  `node { name: "v" op: "VariableV2" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape {} } } }`,
  `node { name: "init" op: "Assign" input: "v" input: "one" ${F} }`,
  `node { name: "inc" op: "AssignAdd" input: "v" input: "one" ${F} }`,
  `node { name: "inc_id" op: "Identity" input: "inc" ${F} }`,
  `node { name: "after_inc" op: "NoOp" input: "^inc_id" input: "^dx" }`,
].join('\n');

async function kernels(session: Session, fetch: string, feeds: Record<string, tf.Tensor>): Promise<string[]> {
  const info = await tf.profile(async () => {
    const out = await session.run(fetch, feeds);
    out?.dispose();
  });
  return info.kernelNames;
}

describe('control-only pure computations are not run', () => {
  const graph = new Graph();
  importGraphDef(graph, parseGraphDef(TEXT, { format: 'text' }), { prefix: '' });

  it('a gradient only group_deps asks for is skipped; the one the fetch reads runs', async () => {
    const session = new Session(graph);
    const x = tf.ones([2, 2]);
    const names = await kernels(session, 'dw_out:0', { 'x:0': x });
    expect(names).toContain('Multiply');
    expect(names).not.toContain('BatchMatMul');
    const out = (await session.run('dw_out:0', { 'x:0': x }))!;
    expect(Array.from(out.dataSync())).toEqual([2, 2, 2, 2]);
    tf.dispose([x, out]);
    session.close();
  });

  it('a control input that leads to a state change still runs (through a pure Identity)', async () => {
    const session = new Session(graph);
    await session.run('init');
    const x = tf.ones([2, 2]);
    const names = await kernels(session, 'after_inc', { 'x:0': x });
    expect(names).not.toContain('BatchMatMul');
    const v = (await session.run('v:0'))!;
    expect(v.dataSync()[0]).toBe(2);
    tf.dispose([x, v]);
    session.close();
  });

  it('fetching the pure op itself runs it', async () => {
    const session = new Session(graph);
    const x = tf.ones([2, 2]);
    expect(await kernels(session, 'dx:0', { 'x:0': x })).toContain('BatchMatMul');
    const out = (await session.run('dx:0', { 'x:0': x }))!;
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([x, out]);
    session.close();
  });
});
