// Between @tensorgraft/bundle-io Tensors and TensorFlow.js tensors, with the graph package's conversions (the ones its
// RestoreV2/SaveV2 kernels use, so a mixed restore holds exactly what a graph restore holds): float64/half/bfloat16 as
// float32, int64 as int32 (range-checked); on the way back the variable's own dtype is restored.
import type * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorgraft/bundle-io';
import { GraphError, tensorFromCheckpoint, tensorToCheckpoint } from '@tensorgraft/graph';
import { MixerError } from './errors.js';

function asMixerError<T>(variable: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    throw new MixerError('UNSUPPORTED', err.message, { variable, cause: err });
  }
}

/** A checkpoint tensor as the TensorFlow.js value of `variable`. */
export function toTfjs(t: Tensor, variable: string): tf.Tensor {
  return asMixerError(variable, () => tensorFromCheckpoint(t, { name: variable }));
}

/** A TensorFlow.js value as the checkpoint tensor of a variable of TensorFlow dtype `dtype`. */
export function fromTfjs(value: tf.Tensor, dtype: string, variable: string): Tensor {
  return asMixerError(variable, () => tensorToCheckpoint(value, dtype, { name: variable }));
}
