// Between @tensorgraft/bundle-io Tensors (TensorFlow's dtypes, checkpoint bytes) and TensorFlow.js tensors (float32,
// int32, bool, string). float64/half/bfloat16 are held as float32 and int64 as int32 (range-checked), as the graph
// package's Session holds them; on the way back the variable's own dtype is restored.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorgraft/bundle-io';
import { bits16ToFloat32, float32ToBits16 } from '@tensorgraft/proto';
import { MixerError } from './errors.js';

export function toTfjs(t: Tensor, variable: string): tf.Tensor {
  switch (t.dtype) {
    case 'string':
      return tf.tensor(t.data as Uint8Array[], t.shape, 'string');
    case 'bool':
      return tf.tensor(t.data as Uint8Array, t.shape, 'bool');
    case 'float32':
    case 'float64':
      return tf.tensor(t.data as Float32Array, t.shape, 'float32');
    case 'float16':
    case 'bfloat16':
      return tf.tensor(bits16ToFloat32(t.data as Uint16Array, t.dtype), t.shape, 'float32');
    case 'int64':
    case 'uint64': {
      const src = t.data as BigInt64Array;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new MixerError('UNSUPPORTED', `int64 value ${v} does not fit TensorFlow.js int32`, { variable });
        }
        out[i] = Number(v);
      }
      return tf.tensor(out, t.shape, 'int32');
    }
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint8':
    case 'uint16':
      return tf.tensor(Int32Array.from(t.data as Int32Array), t.shape, 'int32');
    default:
      throw new MixerError('UNSUPPORTED', `dtype ${t.dtype} has no TensorFlow.js form`, { variable });
  }
}

/** A TensorFlow.js value as the checkpoint tensor of a variable of TensorFlow dtype `dtype`. */
export function fromTfjs(value: tf.Tensor, dtype: string, variable: string): Tensor {
  const shape = [...value.shape];
  const v = value.dataSync();
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: Float32Array.from(v as Float32Array) };
    case 'float64':
      return { dtype, shape, data: Float64Array.from(v as Float32Array) };
    case 'float16':
    case 'bfloat16':
      return { dtype, shape, data: float32ToBits16(v as Float32Array, dtype) };
    case 'int32':
      return { dtype, shape, data: Int32Array.from(v as Int32Array) };
    case 'int64':
      return { dtype, shape, data: BigInt64Array.from(v as Int32Array, (x) => BigInt(x)) };
    case 'bool':
      return { dtype, shape, data: Uint8Array.from(v as Uint8Array) };
    case 'string':
      return { dtype, shape, data: (v as unknown as Uint8Array[]).map((s) => Uint8Array.from(s)) };
    default:
      throw new MixerError('UNSUPPORTED', `cannot save a ${dtype} variable from TensorFlow.js`, { variable });
  }
}
