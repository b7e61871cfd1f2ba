// Checkpoint tensors (@tensorgraft/bundle-io: TensorFlow's dtypes and bytes) to and from TensorFlow.js tensors, which
// hold float32, int32, bool and string only: float64/half/bfloat16 travel as float32, int64 and the small integer types
// as int32 (range-checked on the way in); on the way out the TensorFlow dtype asked for is restored.
// Used by the RestoreV2/SaveV2 kernels and by packages that fill or read a Session's variables (mixer).
import type { Tensor as BundleTensor } from '@tensorgraft/bundle-io';
import { bits16ToFloat32, dtypeName, float32ToBits16 } from '@tensorgraft/proto';
import { GraphError } from '../errors.js';
import { stringBytes, tf } from './kernels/common.js';

/** What an error names: the node running (RestoreV2, SaveV2) and the tensor. */
export interface CheckpointTensorContext {
  node?: string | undefined;
  name: string;
}

/** A checkpoint tensor as a tfjs tensor (float types → float32, integer types → int32). */
export function tensorFromCheckpoint(t: BundleTensor, where: CheckpointTensorContext): tf.Tensor {
  const d = t.data;
  switch (t.dtype) {
    case 'string':
      return tf.tensor(d as Uint8Array[], t.shape, 'string');
    case 'float32':
      return tf.tensor(d as Float32Array, t.shape, 'float32');
    case 'float64':
      return tf.tensor(Float32Array.from(d as Float64Array), t.shape, 'float32');
    case 'float16':
    case 'bfloat16':
      return tf.tensor(bits16ToFloat32(d as Uint16Array, t.dtype), t.shape, 'float32');
    case 'bool':
      return tf.tensor(d as Uint8Array, t.shape, 'bool');
    case 'int64':
    case 'uint64': {
      const big = d as BigInt64Array;
      const out = new Int32Array(big.length);
      for (let i = 0; i < big.length; i++) {
        const v = big[i]!;
        if (v > 2147483647n || v < -2147483648n)
          throw new GraphError('KERNEL', `${where.name}: int64 value ${v} does not fit TensorFlow.js int32`, {
            node: where.node,
          });
        out[i] = Number(v);
      }
      return tf.tensor(out, t.shape, 'int32');
    }
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return tf.tensor(Int32Array.from(d as Int32Array), t.shape, 'int32');
    default:
      throw new GraphError(
        'UNKNOWN_DTYPE',
        `${where.name}: checkpoint dtype ${t.dtype} has no TensorFlow.js equivalent`,
        { node: where.node },
      );
  }
}

/** A tfjs tensor as a checkpoint tensor of TensorFlow dtype `dtype` (a DataType number or a name like 'int64'). */
export function tensorToCheckpoint(x: tf.Tensor, dtype: number | string, where: CheckpointTensorContext): BundleTensor {
  const name = typeof dtype === 'number' ? dtypeName(dtype) : dtype;
  const v = x.dataSync() as unknown;
  let data: BundleTensor['data'];
  switch (name) {
    case 'string':
      data = stringBytes(x);
      break;
    case 'float32':
      data = Float32Array.from(v as Float32Array);
      break;
    case 'float64':
      data = Float64Array.from(v as Float32Array);
      break;
    case 'float16':
    case 'bfloat16':
      data = float32ToBits16(v as Float32Array, name);
      break;
    case 'bool':
      data = Uint8Array.from(v as Uint8Array);
      break;
    case 'int64':
      data = BigInt64Array.from(v as Int32Array, (e) => BigInt(e));
      break;
    case 'int32':
      data = Int32Array.from(v as Int32Array);
      break;
    case 'int16':
      data = Int16Array.from(v as Int32Array);
      break;
    case 'int8':
      data = Int8Array.from(v as Int32Array);
      break;
    case 'uint8':
      data = Uint8Array.from(v as Int32Array);
      break;
    default:
      throw new GraphError('UNKNOWN_DTYPE', `${where.name}: cannot write dtype ${name} to a checkpoint`, {
        node: where.node,
      });
  }
  return { dtype: name, shape: [...x.shape], data } as BundleTensor;
}
