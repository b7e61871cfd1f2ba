// The TensorProto shapes summaries use, laid out as TensorFlow writes them (dtype, tensor_shape, then values):
//   float32 scalar: dtype DT_FLOAT, tensor_shape {} (rank 0), tensor_content = 4 bytes float32 LE
//   float64 matrix: dtype DT_DOUBLE, tensor_shape {dim {size: rows} dim {size: cols}}, tensor_content = float64 LE
//   strings:        dtype DT_STRING, tensor_shape {} or {dim {size: n}}, string_val = each element's bytes
import type { tensorflow } from '@tensorgraft/proto';

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

type TensorProps = tensorflow.TensorProto.$Properties;
type Dim = NonNullable<NonNullable<TensorProps['tensor_shape']>['dim']>[number];

/** A dimension; protobufjs takes a plain number for an int64 field (the generated type says Long). */
function dim(size: number): Dim {
  return { size } as unknown as Dim;
}

// One scratch view for the hot scalar path (a DataView per call showed in profiles).
const scratch = new Uint8Array(4);
const scratchView = new DataView(scratch.buffer);

export function float32ScalarTensor(value: number): TensorProps {
  scratchView.setFloat32(0, value, true);
  return { dtype: DT_FLOAT, tensor_shape: {}, tensor_content: scratch.slice() };
}

/** A [rows, cols] float64 tensor from row-major `values`. */
export function float64MatrixTensor(values: Float64Array, rows: number, cols: number): TensorProps {
  const content = new Uint8Array(values.length * 8);
  const view = new DataView(content.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return {
    dtype: DT_DOUBLE,
    tensor_shape: { dim: [dim(rows), dim(cols)] },
    tensor_content: content,
  };
}

/** A string tensor: rank 0 for one element, rank 1 for a list. */
export function stringTensor(elements: readonly Uint8Array[], rank: 0 | 1): TensorProps {
  return {
    dtype: DT_STRING,
    tensor_shape: rank === 0 ? {} : { dim: [dim(elements.length)] },
    string_val: [...elements],
  };
}

/** The hparams plugin's placeholder tensor: float32 of shape [0]. */
export function nullTensor(): TensorProps {
  return { dtype: DT_FLOAT, tensor_shape: { dim: [{}] } };
}
