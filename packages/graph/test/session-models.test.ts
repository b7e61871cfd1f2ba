// TensorFlow-written inference graphs (fixtures/models/<model>: MetaGraphDef + V2 checkpoint + inputs and TensorFlow's
// outputs) imported and restored through the graph's own save/restore_all: our outputs equal TensorFlow's.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, fixtureJson, MODELS, sidecar, type TensorEntry } from './helpers.js';

interface Io {
  inputs: Record<string, TensorEntry>;
  outputs: Record<string, TensorEntry>;
  variables: Record<string, TensorEntry>;
  restore: { op: string; filename: string };
}

function maxRelErr(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  return worst;
}

const sessions: Session[] = [];
afterAll(() => {
  for (const s of sessions) s.close();
});

describe.each(['mlp', 'cnn', 'vgg16_small'])('%s from TensorFlow', (model) => {
  const io = fixtureJson<Io>(model, 'io.json');

  it('restores through save/restore_all and gives TensorFlow outputs (max rel err <= 1e-5)', async () => {
    const graph = new Graph();
    const { saverDef } = importMetaGraph(graph, parseMetaGraph(fixture(model, 'model.ckpt.meta')));
    const session = new Session(graph);
    sessions.push(session);
    expect(saverDef?.restore_op_name).toBe(io.restore.op);
    await session.run(saverDef!.restore_op_name, {
      [saverDef!.filename_tensor_name]: join(MODELS, model, 'model.ckpt'),
    });
    // every variable now holds TensorFlow's saved value
    for (const [name, entry] of Object.entries(io.variables)) {
      const [value] = (await session.run(
        [`${name}:0`].map((n) => (graph.node(name)!.op === 'VarHandleOp' ? `${name}/Read/ReadVariableOp:0` : n)),
      )) as tf.Tensor[];
      expect(Array.from(await value!.data())).toEqual(Array.from(sidecar(model, entry)));
      value!.dispose();
    }
    const feeds = Object.fromEntries(
      Object.entries(io.inputs).map(([name, e]) => [name, tf.tensor(sidecar(model, e), e.shape)]),
    );
    const names = Object.keys(io.outputs);
    // the first run compiles the plan (constants are made once and kept by the session)
    for (const t of (await session.run(names, feeds)) as tf.Tensor[]) t.dispose();
    const before = tf.memory().numTensors;
    const outs = (await session.run(names, feeds)) as tf.Tensor[];
    // only the fetched tensors are new: every intermediate was disposed
    expect(tf.memory().numTensors - before).toBe(outs.length);
    for (const [k, name] of names.entries()) {
      const want = sidecar(model, io.outputs[name]!);
      expect(outs[k]!.shape).toEqual(io.outputs[name]!.shape);
      expect(maxRelErr((await outs[k]!.data()) as Float32Array, want)).toBeLessThanOrEqual(1e-5);
    }
    for (const t of outs) t.dispose();
    for (const t of Object.values(feeds)) t.dispose();
  }, 60_000);
});
