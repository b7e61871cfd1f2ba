// freezeSavedModel: a TF1 SavedModel's signature frozen as freezeGraph freezes its meta graph (TensorFlow's bytes);
// a TF2 SavedModel's (tf.saved_model.save of a tf.Module: StatefulPartitionedCall into the library) with its function
// calls inlined and its variables as constants: no function, no variable left, and TensorFlow's outputs.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { freezeSavedModel, readSavedModel, variablesPrefix } from '@tensorgraft/deploy';
import { freezeGraph, graphFromGraphDef, Session, serializeGraphDef } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { DEPLOY, fixtureJson, maxRelErr } from './helpers.js';

describe('freezeSavedModel', () => {
  it('freezes a TF1 SavedModel signature as freezeGraph does', async () => {
    const dir = join(DEPLOY, 'saved_model_tf1');
    const f = await freezeSavedModel(dir, { signature: 'logits_only' });
    expect(f.inputs).toEqual({ ids: 'ids:0' });
    expect(f.outputs).toEqual({ logits: 'logits:0' });
    const meta = readSavedModel(dir).meta_graphs[0]!;
    const direct = freezeGraph(meta, variablesPrefix(dir), { outputs: ['logits'] }).graphDef;
    expect(Buffer.from(serializeGraphDef(f.graphDef)).equals(Buffer.from(serializeGraphDef(direct)))).toBe(true);
  });

  it('inlines a TF2 SavedModel and runs without functions or variables to TensorFlow outputs', async () => {
    const want = fixtureJson<{ x: number[][]; y: number[][] }>('tf2_saved_model.json');
    const f = await freezeSavedModel(join(DEPLOY, 'saved_model_tf2'));
    expect(f.graphDef.node.some((n) => /PartitionedCall|VarHandleOp|ReadVariableOp/.test(n.op ?? ''))).toBe(false);
    expect(f.graphDef.library?.function ?? []).toEqual([]);
    const session = new Session(graphFromGraphDef(f.graphDef), { backend: 'cpu' });
    try {
      const y = (await session.run(f.outputs.y!, { [f.inputs.x!]: tf.tensor(want.x) })) as tf.Tensor;
      expect(maxRelErr(y.dataSync(), want.y.flat())).toBeLessThanOrEqual(1e-6);
      y.dispose();
    } finally {
      session.close();
    }
  });

  it('names a missing signature', async () => {
    await expect(freezeSavedModel(join(DEPLOY, 'saved_model_tf2'), { signature: 'nope' })).rejects.toThrow(
      /no signature 'nope'/,
    );
  });
});
