// A checkpoint tensor as the TensorProto tf.make_tensor_proto(ndarray, dtype, shape) writes (python/framework/
// tensor_util.py), so a frozen Const carries the same bytes as TensorFlow's: more than one element of a
// _TENSOR_CONTENT_TYPES dtype → tensor_content (the raw little-endian elements); otherwise (one element, bool, string,
// complex) the typed *_val list, one entry per element; no elements → no values at all. The shape is always present.
import type { Tensor } from '@tensorgraft/bundle-io';
import { DataType, tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import { GraphError } from '../errors.js';

const D = DataType;
const CONTENT_TYPES = new Set<number>([
  D.DT_HALF,
  D.DT_FLOAT,
  D.DT_DOUBLE,
  D.DT_INT32,
  D.DT_UINT8,
  D.DT_INT16,
  D.DT_INT8,
  D.DT_INT64,
  D.DT_QINT8,
  D.DT_QUINT8,
  D.DT_QINT16,
  D.DT_QUINT16,
  D.DT_QINT32,
  D.DT_UINT32,
  D.DT_UINT64,
  D.DT_FLOAT8_E5M2,
  D.DT_FLOAT8_E4M3FN,
  D.DT_FLOAT8_E4M3FNUZ,
  D.DT_FLOAT8_E4M3B11FNUZ,
  D.DT_FLOAT8_E5M2FNUZ,
  D.DT_FLOAT4_E2M1FN,
  D.DT_BFLOAT16,
]);

export function constTensorProto(t: Tensor, dtype: number, node: string): tensorflow.TensorProto {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const p = tensorflow.TensorProto.create({
    dtype,
    tensor_shape: { dim: t.shape.map((size) => ({ size: Long.fromNumber(size) })) },
  });
  const data = t.data;
  if (Array.isArray(data)) {
    p.string_val = data.map((b) => b.slice());
    return p;
  }
  const typed = data as Exclude<typeof data, Uint8Array[]>;
  if (CONTENT_TYPES.has(dtype) && n > 1) {
    // bundle-io holds elements in host order; TensorFlow's content is little-endian (every supported host is)
    p.tensor_content = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice();
    return p;
  }
  const values = Array.from(typed as ArrayLike<number | bigint>);
  switch (dtype) {
    case D.DT_FLOAT:
      p.float_val = values as number[];
      break;
    case D.DT_DOUBLE:
      p.double_val = values as number[];
      break;
    case D.DT_INT32:
    case D.DT_INT16:
    case D.DT_INT8:
    case D.DT_UINT8:
    case D.DT_UINT16:
    case D.DT_QINT8:
    case D.DT_QUINT8:
    case D.DT_QINT16:
    case D.DT_QUINT16:
    case D.DT_QINT32:
    case D.DT_HALF:
    case D.DT_BFLOAT16:
      if (dtype === D.DT_HALF || dtype === D.DT_BFLOAT16) p.half_val = values as number[];
      else p.int_val = values as number[];
      break;
    case D.DT_INT64:
      p.int64_val = values.map((v) => Long.fromString(String(v)));
      break;
    case D.DT_UINT32:
      p.uint32_val = values as number[];
      break;
    case D.DT_UINT64:
      p.uint64_val = values.map((v) => Long.fromString(String(v), true));
      break;
    case D.DT_BOOL:
      p.bool_val = values.map((v) => v !== 0);
      break;
    case D.DT_COMPLEX64:
      p.scomplex_val = values as number[];
      break;
    case D.DT_COMPLEX128:
      p.dcomplex_val = values as number[];
      break;
    default:
      throw new GraphError('UNSUPPORTED', `cannot freeze a variable of dtype ${t.dtype} into a Const`, { node });
  }
  return p;
}
