// TensorProto <-> TensorFlow.js tensors. TensorProto (tensor.proto): dtype=1, tensor_shape=2, tensor_content=4 (raw
// little-endian elements, row-major), or the typed *_val lists where one value fills the whole shape and a shorter list
// is padded with its last value. TensorFlow.js holds float32, int32, bool and string: float64/half/bfloat16 become
// float32, every integer type int32 (int64 values outside int32 are refused).
import * as tf from '@tensorflow/tfjs-core';
import { bits16ToFloat32, DataType, tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { shapeFromProto, shapeProto, toNumber } from '../attrs.js';
import { GraphError } from '../errors.js';

export type TfDtype = 'float32' | 'int32' | 'bool' | 'string';

/** The TensorFlow.js dtype that holds a TensorFlow dtype, or undefined when none can. */
export function tfjsDtype(dt: number): TfDtype | undefined {
  const base = dt > 100 ? dt - 100 : dt;
  switch (base) {
    case DataType.DT_FLOAT:
    case DataType.DT_DOUBLE:
    case DataType.DT_HALF:
    case DataType.DT_BFLOAT16:
      return 'float32';
    case DataType.DT_INT32:
    case DataType.DT_INT64:
    case DataType.DT_INT16:
    case DataType.DT_INT8:
    case DataType.DT_UINT8:
    case DataType.DT_UINT16:
    case DataType.DT_UINT32:
      return 'int32';
    case DataType.DT_BOOL:
      return 'bool';
    case DataType.DT_STRING:
      return 'string';
    default:
      return undefined;
  }
}

export function requireTfjsDtype(dt: number, node?: string): TfDtype {
  const t = tfjsDtype(dt);
  if (!t) throw new GraphError('UNKNOWN_DTYPE', `dtype ${dt} has no TensorFlow.js equivalent`, { node });
  return t;
}

const MAX_ELEMENTS = 1 << 28;

/** Decodes a TensorProto (a Const's value) into a tfjs tensor. */
export function tensorFromProto(p: tensorflow.TensorProto.$Properties, node?: string): tf.Tensor {
  const dt = p.dtype ?? 0;
  const tdt = requireTfjsDtype(dt, node);
  const declared = shapeFromProto(p.tensor_shape);
  const shape = declared === null ? null : [...declared];
  if (shape === null || shape.some((d) => d < 0))
    throw new GraphError('BAD_ATTR', 'a constant needs a fully known shape', { node });
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > MAX_ELEMENTS) throw new GraphError('BAD_ATTR', `constant of ${n} elements is too large`, { node });
  if (tdt === 'string') {
    const vals = p.string_val ?? [];
    return tf.tensor(fill(vals, n, new Uint8Array(0), node), shape, 'string');
  }
  const content = p.tensor_content;
  if (content?.length) return tf.tensor(fromContent(dt, content, n, node), shape, tdt);
  let vals: ArrayLike<number> | boolean[];
  switch (dt) {
    case DataType.DT_FLOAT:
      vals = p.float_val ?? [];
      break;
    case DataType.DT_DOUBLE:
      vals = p.double_val ?? [];
      break;
    case DataType.DT_INT64:
      vals = (p.int64_val ?? []).map((v) => int64ToInt32(v, node));
      break;
    case DataType.DT_UINT32:
      vals = p.uint32_val ?? [];
      break;
    case DataType.DT_BOOL:
      vals = (p.bool_val ?? []).map((b) => (b ? 1 : 0));
      break;
    case DataType.DT_HALF:
      vals = bits16ToFloat32(Uint16Array.from(p.half_val ?? []), 'float16');
      break;
    case DataType.DT_BFLOAT16:
      vals = bits16ToFloat32(Uint16Array.from(p.half_val ?? []), 'bfloat16');
      break;
    default:
      vals = p.int_val ?? [];
  }
  // typed arrays: a single value may fill a large shape (tf.zeros-style constants)
  const list = vals as ArrayLike<number>;
  if (list.length > n) throw new GraphError('BAD_ATTR', `tensor has ${list.length} values for ${n} elements`, { node });
  const arr = tdt === 'float32' ? new Float32Array(n) : tdt === 'bool' ? new Uint8Array(n) : new Int32Array(n);
  for (let i = 0; i < list.length; i++) arr[i] = tdt === 'bool' ? (list[i] ? 1 : 0) : list[i]!;
  if (list.length > 0 && list.length < n)
    arr.fill(tdt === 'bool' ? (list[list.length - 1] ? 1 : 0) : list[list.length - 1]!, list.length);
  return tf.tensor(arr, shape, tdt);
}

function fill<T>(vals: readonly T[], n: number, zero: T, node?: string): T[] {
  if (vals.length === n) return [...vals];
  if (vals.length > n) throw new GraphError('BAD_ATTR', `tensor has ${vals.length} values for ${n} elements`, { node });
  const out = new Array<T>(n);
  const last = vals.length ? vals[vals.length - 1]! : zero;
  for (let i = 0; i < n; i++) out[i] = i < vals.length ? vals[i]! : last;
  return out;
}

function int64ToInt32(v: Long | number, node?: string): number {
  const x = typeof v === 'number' ? v : Long.fromValue(v).toNumber();
  if (x > 2147483647 || x < -2147483648)
    throw new GraphError('UNKNOWN_DTYPE', `int64 value ${x} does not fit TensorFlow.js int32`, { node });
  return x;
}

function fromContent(dt: number, b: Uint8Array, n: number, node?: string): Float32Array | Int32Array | Uint8Array {
  const sizes: Record<number, number> = { 1: 4, 2: 8, 3: 4, 4: 1, 5: 2, 6: 1, 9: 8, 10: 1, 17: 2, 19: 2, 14: 2, 22: 4 };
  const size = sizes[dt];
  if (size === undefined)
    throw new GraphError('UNKNOWN_DTYPE', `dtype ${dt} cannot be read from tensor_content`, { node });
  if (b.length !== n * size) {
    throw new GraphError('BAD_ATTR', `tensor_content has ${b.length} bytes, the shape needs ${n * size}`, { node });
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (dt) {
    case 1: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    }
    case 2: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    }
    case 19:
    case 14: {
      const bits = new Uint16Array(n);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true);
      return bits16ToFloat32(bits, dt === 19 ? 'float16' : 'bfloat16');
    }
    case 10: {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = b[i]! ? 1 : 0;
      return out;
    }
    default: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] =
          dt === 3
            ? dv.getInt32(i * 4, true)
            : dt === 9
              ? int64ToInt32(Number(dv.getBigInt64(i * 8, true)), node)
              : dt === 22
                ? dv.getUint32(i * 4, true) | 0
                : dt === 5
                  ? dv.getInt16(i * 2, true)
                  : dt === 17
                    ? dv.getUint16(i * 2, true)
                    : dt === 6
                      ? dv.getInt8(i)
                      : dv.getUint8(i);
      }
      return out;
    }
  }
}

/**
 * A TensorProto as tf.make_tensor_proto writes it: more than one element of a numeric type → tensor_content;
 * one element, or strings → the typed value list.
 */
export function tensorProtoFrom(
  values: ArrayLike<number> | readonly (string | Uint8Array)[] | readonly boolean[],
  shape: readonly number[],
  dtype: number,
): tensorflow.TensorProto {
  const n = shape.reduce((a, b) => a * b, 1);
  const p = tensorflow.TensorProto.create({ dtype, tensor_shape: shapeProto(shape) });
  if (dtype === DataType.DT_STRING) {
    p.string_val = Array.from(values as readonly (string | Uint8Array)[], (v) =>
      typeof v === 'string' ? new TextEncoder().encode(v) : v,
    );
    return p;
  }
  const nums = Array.from(values as ArrayLike<number | boolean>, (v) => Number(v));
  if (nums.length > 1 && nums.length === n) {
    const sizes: Record<number, number> = { 1: 4, 2: 8, 3: 4, 9: 8, 10: 1 };
    const size = sizes[dtype];
    if (size !== undefined) {
      const b = new Uint8Array(n * size);
      const dv = new DataView(b.buffer);
      nums.forEach((v, i) => {
        if (dtype === 1) dv.setFloat32(i * 4, v, true);
        else if (dtype === 2) dv.setFloat64(i * 8, v, true);
        else if (dtype === 3) dv.setInt32(i * 4, v, true);
        else if (dtype === 9) dv.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        else b[i] = v ? 1 : 0;
      });
      p.tensor_content = b;
      return p;
    }
  }
  if (dtype === DataType.DT_FLOAT) p.float_val = nums;
  else if (dtype === DataType.DT_DOUBLE) p.double_val = nums;
  else if (dtype === DataType.DT_INT64) p.int64_val = nums.map((v) => Long.fromNumber(v));
  else if (dtype === DataType.DT_BOOL) p.bool_val = nums.map((v) => v !== 0);
  else p.int_val = nums;
  return p;
}

export { toNumber };
