// Scalars, two forms:
//   TF2 (default): Summary.Value {tag, tensor: float32 scalar, metadata: plugin "scalars"} (core/summary/summary_file_writer.cc)
//   legacy:        Summary.Value {tag, simple_value: float}; TensorBoard's data_compat.py migrates it to the TF2 form.
// Both are float32 on disk: NaN and the infinities are stored as they are.
import type { tensorflow } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import { pluginMetadata } from './plugin-metadata.js';
import { type ScalarLike, scalarOf } from './tensor-like.js';
import { float32ScalarTensor } from './tensors.js';

export function scalarValue(tag: string, arg: ScalarLike, legacy = false): tensorflow.Summary.Value.$Properties {
  const value = scalarOf(arg, 'a scalar', tag);
  if (typeof value !== 'number') {
    throw new EventsError('INVALID_VALUE', `a scalar must be a number, got ${typeof value}`, { tag });
  }
  if (legacy) return { tag, simple_value: value };
  return { tag, tensor: float32ScalarTensor(value), metadata: pluginMetadata('scalars') };
}
