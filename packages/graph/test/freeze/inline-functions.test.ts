// inlineFunctionCalls on TensorFlow's TF2 SavedModel graph (fixtures/deploy/saved_model_tf2: a tf.Module's signature
// and its save / restore functions, all StatefulPartitionedCalls): no call is left, `N:k` names the same values, and
// the inlined graph restores its variables through the inlined restore function and gives TensorFlow's outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { graphFromGraphDef, inlineFunctionCalls, Session } from '@tensorgraft/graph';
import { decodeMessage, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

const DIR = join(REPO, 'fixtures', 'deploy', 'saved_model_tf2');
const want = JSON.parse(readFileSync(join(REPO, 'fixtures', 'deploy', 'tf2_saved_model.json'), 'utf8')) as {
  x: number[][];
  y: number[][];
};

describe('inlineFunctionCalls', () => {
  it('replaces every call by its body and runs the inlined save/restore and signature', async () => {
    const model = decodeMessage(tensorflow.SavedModel, new Uint8Array(readFileSync(join(DIR, 'saved_model.pb'))));
    const meta = model.meta_graphs[0]!;
    const inlined = inlineFunctionCalls(meta.graph_def!);
    expect(inlined.node.some((n) => /PartitionedCall$/.test(n.op ?? ''))).toBe(false);
    expect(inlined.library?.function ?? []).toEqual([]);
    expect(inlined.node.find((n) => n.name === 'StatefulPartitionedCall')?.op).toBe('IdentityN');
    expect(inlined.node.some((n) => n.name?.startsWith('StatefulPartitionedCall/'))).toBe(true);

    const session = new Session(graphFromGraphDef(inlined), { backend: 'cpu' });
    try {
      const saver = meta.saver_def!;
      await session.run(saver.restore_op_name!, { [saver.filename_tensor_name!]: join(DIR, 'variables', 'variables') });
      const sig = meta.signature_def.serving_default!;
      const y = (await session.run(sig.outputs.y!.name!, { [sig.inputs.x!.name!]: tf.tensor(want.x) })) as tf.Tensor;
      const got = y.dataSync();
      for (const [i, v] of want.y.flat().entries()) expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-6);
      y.dispose();
    } finally {
      session.close();
    }
  });
});
