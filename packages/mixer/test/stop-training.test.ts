// Fine-tuning plans: frozen scopes leave trainable_variables and get StopGradient boundaries; outputs do not change.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import {
  exportMetaGraph,
  GradientDescentOptimizer,
  Graph,
  GraphBuilder,
  importMetaGraph,
  Session,
} from '@tensorgraft/graph';
import { freeze, mix, restoreMixed, stopTraining, trainableVariables } from '@tensorgraft/mixer';
import { afterAll, describe, expect, it } from 'vitest';
import { ckpt, fixtureJson, type Io, meta, sidecar } from './helpers.js';

const cnnIo = fixtureJson<Io>('cnn', 'io.json');
const mlpIo = fixtureJson<Io>('mlp', 'io.json');
const sessions: Session[] = [];
afterAll(() => {
  for (const s of sessions) s.close();
});

const mixIt = () =>
  mix([
    { scope: 'backbone', metaGraph: meta('cnn'), checkpoint: ckpt('cnn') },
    { scope: 'head', metaGraph: meta('mlp'), checkpoint: ckpt('mlp'), inputMap: { 'x:0': 'backbone/mean:0' } },
  ]);

describe('stopTraining', () => {
  it('is still exported under its old name freeze (deprecated)', () => {
    expect(freeze).toBe(stopTraining);
  });

  it('a frozen scope leaves trainable_variables and gets a StopGradient where its features leave it', async () => {
    const mixed = mixIt();
    const session = new Session(mixed.graph);
    sessions.push(session);
    await restoreMixed(session, mixed);
    const x = tf.tensor(sidecar('cnn', cnnIo.inputs['images:0']!), cnnIo.inputs['images:0']!.shape);
    const before = (await session.run('head/probs:0', { 'backbone/images:0': x })) as tf.Tensor;

    const plan = stopTraining(mixed, { scopes: ['backbone'] });
    const headVars = Object.keys(mlpIo.variables).map((k) => `head/${k}`);
    expect([...plan.trainable].sort()).toEqual(headVars.sort());
    expect(trainableVariables(mixed.graph).sort()).toEqual(headVars.sort());
    expect(plan.frozen).toEqual(
      Object.keys(cnnIo.variables)
        .map((k) => `backbone/${k}`)
        .sort(),
    );
    expect(plan.boundaries).toEqual([
      { tensor: 'backbone/mean:0', stopGradient: 'head/stop_gradient', consumers: ['head/dense/MatMul'] },
    ]);
    const sg = mixed.graph.requireNode('head/stop_gradient');
    expect([sg.op, sg.input]).toEqual(['StopGradient', ['backbone/mean:0']]);
    expect(mixed.graph.requireNode('head/dense/MatMul').input[0]).toBe('head/stop_gradient');
    // the VariableDefs say trainable=false too, so an exported meta graph keeps the plan
    const exported = exportMetaGraph(mixed.graph);
    expect(exported.collection_def.trainable_variables?.bytes_list?.value).toHaveLength(6);
    const again = new Graph();
    importMetaGraph(again, exported);
    expect(trainableVariables(again).sort()).toEqual(headVars.sort());

    // the forward pass is unchanged (the session replans after the edit)
    const after = (await session.run('head/probs:0', { 'backbone/images:0': x })) as tf.Tensor;
    expect(Array.from(await after.data())).toEqual(Array.from(await before.data()));
    for (const t of [x, before, after]) t.dispose();
  });

  it('single variables and trainable:false leave trainable_variables without boundaries', () => {
    const mixed = mix([
      { scope: 'backbone', metaGraph: meta('cnn'), checkpoint: ckpt('cnn'), trainable: false },
      { scope: 'head', metaGraph: meta('mlp'), checkpoint: ckpt('mlp'), inputMap: { 'x:0': 'backbone/mean:0' } },
    ]);
    expect(trainableVariables(mixed.graph)).toHaveLength(6);
    const plan = stopTraining(mixed, { variables: ['head/dense/kernel'] });
    expect(plan.boundaries).toEqual([]);
    expect(plan.trainable).not.toContain('head/dense/kernel');
    expect(plan.trainable).toHaveLength(5);
    expect(() => stopTraining(mixed, { scopes: ['nowhere'] })).toThrow(/no node of the mixed graph is under scope/);
    expect(() => stopTraining(mixed, { variables: ['head/nope'] })).toThrow(/not a variable/);
    void readFileSync;
  });
});

describe('stopTraining + minimize', () => {
  async function values(session: Session, names: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const n of names) {
      const snap = mixedSnapshot(n);
      const t = (await session.run(snap)) as tf.Tensor;
      out.push(Array.from(await t.data()));
      t.dispose();
    }
    return out;
  }
  // cnn variables are resource variables (read through Read/ReadVariableOp), mlp's are ref variables (read)
  const mixedSnapshot = (n: string) => (n.startsWith('backbone/') ? `${n}/Read/ReadVariableOp:0` : `${n}/read:0`);

  it.each([true, false])(
    'a training step changes only the head when the backbone is frozen (frozen: %s)',
    async (frozen) => {
      const mixed = mixIt();
      if (frozen) stopTraining(mixed, { scopes: ['backbone'] });
      const b = new GraphBuilder(mixed.graph);
      const loss = b.reduceMean(b.square('head/probs:0'), [0, 1]);
      const train = new GradientDescentOptimizer(b, { learningRate: 0.5 }).minimize(loss);
      const session = new Session(mixed.graph);
      sessions.push(session);
      await restoreMixed(session, mixed);
      const backbone = Object.keys(cnnIo.variables).map((k) => `backbone/${k}`);
      const head = Object.keys(mlpIo.variables).map((k) => `head/${k}`);
      const [b0, h0] = [await values(session, backbone), await values(session, head)];
      const x = tf.tensor(sidecar('cnn', cnnIo.inputs['images:0']!), cnnIo.inputs['images:0']!.shape);
      await session.run(train, { 'backbone/images:0': x });
      x.dispose();
      const [b1, h1] = [await values(session, backbone), await values(session, head)];
      expect(h1).not.toEqual(h0);
      if (frozen) {
        expect(b1).toEqual(b0);
        // no gradient op reaches into the backbone
        expect(mixed.graph.nodes.filter((n) => n.name.startsWith('gradients/backbone/'))).toEqual([]);
      } else {
        expect(b1).not.toEqual(b0);
      }
    },
  );
});
