// Type-level check (compiled by test/types.test.ts, never run): the public API accepts TensorFlow.js's own types.
import type * as tf from '@tensorflow/tfjs';
import { CheckpointManager, loadCheckpointWeights, Saver, tfCheckpoint } from '@tensorgraft/saver';

export async function usesTfjsTypes(tfjs: typeof tf, model: tf.LayersModel): Promise<void> {
  await model.save(tfCheckpoint('/tmp/x'));
  const again: tf.LayersModel = await tfjs.loadLayersModel(tfCheckpoint('/tmp/x'));
  await loadCheckpointWeights(again, '/tmp/x');
  new Saver(model.weights);
  new CheckpointManager(model.weights, '/tmp');
  new Saver([tfjs.variable(tfjs.zeros([2]))]);
  new Saver({ a: tfjs.zeros([2]), b: { dtype: 'float32', shape: [1], data: new Float32Array(1) } });
}
