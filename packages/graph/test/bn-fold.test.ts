// Inference batch norms folded into the convolutions before them (fusion.ts), on a TensorFlow-written graph
// (fixtures/models/bn_fold, interop/fixtures/make_bn_fold.py): the outputs are TensorFlow's, the plan shows which
// batch norms were folded, and the folded filters are made once per variable version, not once per run.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Graph, GraphBuilder, importMetaGraph, parseMetaGraph, Session } from '@tensorgraft/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureJson, MODELS, sidecar, type TensorEntry } from './helpers.js';

const sessionGraphs = new Map<Session, Graph>();

interface Io {
  inputs: Record<string, TensorEntry>;
  outputs: Record<string, TensorEntry>;
  restore: { op: string; filename: string };
}
const MODEL = 'bn_fold';
const io = fixtureJson<Io>(MODEL, 'io.json');

/** Largest |got - want| over the output's largest |want|. */
function relErr(got: Float32Array, want: Float32Array): number {
  let scale = 1e-6;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst / scale;
}

async function restored(fuse: boolean) {
  const graph = new Graph();
  const { saverDef } = importMetaGraph(graph, parseMetaGraph(fixture(MODEL, 'model.ckpt.meta')));
  const session = new Session(graph, { fuse });
  sessionGraphs.set(session, graph);
  await session.run(saverDef!.restore_op_name, { [saverDef!.filename_tensor_name]: join(MODELS, MODEL, 'model.ckpt') });
  return session;
}

describe('FusedBatchNorm folded into the convolution before it', () => {
  let folded: Session;
  let plain: Session;
  const feeds: Record<string, tf.Tensor> = {};
  const names = Object.keys(io.outputs);
  beforeAll(async () => {
    folded = await restored(true);
    plain = await restored(false);
    for (const [name, e] of Object.entries(io.inputs)) feeds[name] = tf.tensor(sidecar(MODEL, e), e.shape);
  });
  afterAll(() => {
    folded.close();
    plain.close();
    for (const t of Object.values(feeds)) t.dispose();
  });

  it('folds every inference batch norm whose conv output nothing else reads', () => {
    const fused = folded.planNodes(names, Object.keys(feeds)).filter((n) => n.fusedOps.length);
    expect(fused).toEqual([
      { name: 'Relu', op: '_FusedConv2D', fusedOps: ['FusedBatchNorm', 'Relu'] },
      { name: 'Relu6', op: '_FusedDepthwiseConv2dNative', fusedOps: ['FusedBatchNorm', 'Relu6'] },
      { name: 'bn3/FusedBatchNormV3', op: '_FusedConv2D', fusedOps: ['FusedBatchNorm'] },
      // bn4's output is read by `pre` (an Identity), so no activation joins it
      { name: 'bn4/FusedBatchNormV3', op: '_FusedConv2D', fusedOps: ['FusedBatchNorm'] },
    ]);
    const ops = folded.planNodes(names, Object.keys(feeds)).map((n) => n.op);
    expect(ops).not.toContain('FusedBatchNormV3');
    expect(ops).not.toContain('Conv2D');
    // with fusion off the plan keeps TensorFlow's ops
    expect(plain.planNodes(names, Object.keys(feeds)).filter((n) => n.op === 'FusedBatchNormV3')).toHaveLength(4);
  });

  it("gives TensorFlow's outputs, folded and unfolded (rel err <= 2e-6)", async () => {
    for (const session of [folded, plain]) {
      const outs = (await session.run(names, feeds)) as tf.Tensor[];
      for (const [k, name] of names.entries()) {
        expect(outs[k]!.shape).toEqual(io.outputs[name]!.shape);
        expect(relErr(outs[k]!.dataSync() as Float32Array, sidecar(MODEL, io.outputs[name]!))).toBeLessThan(2e-6);
      }
      for (const t of outs) t.dispose();
    }
  });

  it('folds once per variable version: later runs make no new filters and hold no more tensors', async () => {
    for (const t of (await folded.run(names, feeds)) as tf.Tensor[]) t.dispose();
    const before = tf.memory().numTensors;
    const info = await tf.profile(async () => {
      for (const t of (await folded.run(names, feeds)) as tf.Tensor[]) t.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
    // the fold is rsqrt(variance + eps) * scale: none of it runs again while the variables keep their values
    expect(info.kernelNames).not.toContain('Rsqrt');
    expect(info.kernelNames).toContain('FusedConv2D');
    expect(info.kernelNames).toContain('FusedDepthwiseConv2D');
  });

  it('folds again after a variable is assigned (a new version)', async () => {
    // restoring the checkpoint assigns every variable a new tensor: the same values, so the same outputs
    await folded.run(io.restore.op, { [io.restore.filename]: join(MODELS, MODEL, 'model.ckpt') });
    const info = await tf.profile(async () => {
      const outs = (await folded.run(names, feeds)) as tf.Tensor[];
      for (const [k, name] of names.entries()) {
        expect(relErr(outs[k]!.dataSync() as Float32Array, sidecar(MODEL, io.outputs[name]!))).toBeLessThan(2e-6);
      }
      for (const t of outs) t.dispose();
    });
    expect(info.kernels.filter((k) => k.name === 'Rsqrt')).toHaveLength(4);
  });

  it('leaves the batch norms of a gradient run apart (their gradients read the conv outputs), same gradients', async () => {
    const grads: Float32Array[][] = [];
    for (const session of [folded, plain]) {
      const b = new GraphBuilder(sessionGraphs.get(session)!);
      const loss = b.reduceSum(b.square('features:0'), [0, 1, 2, 3], false, 'loss');
      const wrt = ['Conv2D/ReadVariableOp:0', 'conv3/weights/read:0'];
      const names = b.gradients(loss, wrt) as string[];
      expect(session.planNodes(names, Object.keys(feeds)).filter((n) => n.fusedOps.includes('FusedBatchNorm'))).toEqual(
        [],
      );
      const outs = (await session.run(names, feeds)) as tf.Tensor[];
      grads.push(outs.map((t) => t.dataSync() as Float32Array));
      for (const t of outs) t.dispose();
    }
    for (const [k, g] of grads[0]!.entries()) expect(relErr(g, grads[1]![k]!)).toBeLessThan(1e-5);
  });
});
