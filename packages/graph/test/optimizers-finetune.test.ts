import * as tf from '@tensorflow/tfjs-core';
import {
  AdamOptimizer,
  type BuiltVariable,
  GradientDescentOptimizer,
  Graph,
  GraphBuilder,
  getOrCreateGlobalStep,
  MomentumOptimizer,
  Session,
} from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';

// A "pretrained" feature extractor, a StopGradient, then a head: training changes only the head.
function build(resource: boolean) {
  const b = new GraphBuilder(new Graph());
  const x = b.placeholder('float32', [8, 4], 'x');
  const target = b.placeholder('float32', [8, 2], 'target');
  const pretrained: BuiltVariable[] = [];
  const features = b.nameScope('pretrained', () => {
    const w = b.variable('kernel', [4, 5], { randomNormal: { stddev: 0.5, seed: 1 } }, { resource });
    const bias = b.variable('bias', [5], { constant: [0.1, -0.1, 0.2, 0, 0.05] }, { resource });
    pretrained.push(w, bias);
    return b.tanh(b.biasAdd(b.matmul(x, w), bias));
  });
  const frozen = b.stopGradient(features);
  const head: BuiltVariable[] = [];
  const out = b.nameScope('head', () => {
    const w = b.variable('kernel', [5, 2], { randomNormal: { stddev: 0.5, seed: 2 } }, { resource });
    const bias = b.variable('bias', [2], { zeros: true }, { resource });
    head.push(w, bias);
    return b.biasAdd(b.matmul(frozen, w), bias);
  });
  // an unrelated variable with no path to the loss
  const unused = b.variable('unused', [3], { ones: true }, { resource });
  const loss = b.reduceMean(b.square(b.sub(out, target)), [0, 1], false, 'loss');
  return { b, x, target, pretrained, head, unused, loss };
}

async function values(session: Session, vars: readonly BuiltVariable[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const v of vars) {
    const t = (await session.run(v.value))!;
    out.push(new Float32Array(t.dataSync()));
    t.dispose();
  }
  return out;
}

describe('fine-tuning a head behind a StopGradient', () => {
  for (const [opt, resource] of [
    ['adam', true],
    ['momentum', false],
    ['gd', true],
  ] as const) {
    it(`${opt} (${resource ? 'resource' : 'ref'} variables): 100 steps leave the pretrained part bit-identical`, async () => {
      const m = build(resource);
      const optimizer =
        opt === 'adam'
          ? new AdamOptimizer(m.b, { learningRate: 0.05 })
          : opt === 'momentum'
            ? new MomentumOptimizer(m.b, { learningRate: 0.05, momentum: 0.9 })
            : new GradientDescentOptimizer(m.b, { learningRate: 0.1 });
      const train = optimizer.minimize(m.loss, { globalStep: getOrCreateGlobalStep(m.b) });
      // no update op (and no slot) for variables the loss does not reach through trainable paths
      for (const v of [...m.pretrained, m.unused]) {
        expect(m.b.graph.nodes.some((n) => n.name.includes(`update_${v.name}/`))).toBe(false);
        expect(m.b.graph.hasNode(`${v.name}/Adam`)).toBe(false);
      }
      const session = new Session(m.b.graph);
      await session.run(m.b.globalVariablesInitializer());
      const before = await values(session, [...m.pretrained, m.unused]);
      const headBefore = await values(session, m.head);
      const xs = tf.tensor(
        Array.from({ length: 32 }, (_, i) => Math.sin(i)),
        [8, 4],
      );
      const ys = tf.tensor(
        Array.from({ length: 16 }, (_, i) => Math.cos(i * 0.5)),
        [8, 2],
      );
      const first = (await session.run(m.loss, { [m.x]: xs, [m.target]: ys }))!;
      for (let s = 0; s < 100; s++) await session.run(train, { [m.x]: xs, [m.target]: ys });
      const last = (await session.run(m.loss, { [m.x]: xs, [m.target]: ys }))!;
      expect(last.dataSync()[0]).toBeLessThan(first.dataSync()[0]! * 0.9);
      const after = await values(session, [...m.pretrained, m.unused]);
      after.forEach((a, i) => {
        expect(Buffer.from(a.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true);
      });
      const headAfter = await values(session, m.head);
      headAfter.forEach((a, i) => {
        expect(Buffer.from(a.buffer).equals(Buffer.from(headBefore[i]!.buffer))).toBe(false);
      });
      const step = (await session.run('global_step/Read/ReadVariableOp:0'))!;
      expect(step.dataSync()[0]).toBe(100);
      for (const t of [xs, ys, first, last, step]) t.dispose();
      session.close();
    });
  }
});
