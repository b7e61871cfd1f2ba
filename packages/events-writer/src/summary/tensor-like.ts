// tfjs tensors (and anything shaped like them) wherever the writer takes a number or an array, as tensorboardX takes
// torch tensors. Duck-typed on `dataSync`, `shape` and `dtype`: this package never imports TensorFlow.js.
import { EventsError } from '../errors.js';

/** What the writer reads from a tf.Tensor: its values (synchronously), shape and dtype. */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  dataSync(): ArrayLike<number> | ArrayLike<unknown>;
}

export type TypedNumberArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/** A number as a scalar, a tensor of one element, or a typed array of one element. */
export type ScalarLike = number | TensorLike | TypedNumberArray;

export function isTensorLike(v: unknown): v is TensorLike {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as TensorLike).dataSync === 'function' &&
    Array.isArray((v as TensorLike).shape) &&
    typeof (v as TensorLike).dtype === 'string'
  );
}

/** A tensor's values as numbers (bool as 0/1); string and complex tensors are refused, naming the dtype. */
export function tensorValues(t: TensorLike, what: string, tag?: string): ArrayLike<number> {
  if (t.dtype === 'string' || t.dtype === 'complex64') {
    throw new EventsError('INVALID_VALUE', `${what} must be numeric, got a ${t.dtype} tensor`, { tag });
  }
  let data: ArrayLike<unknown>;
  try {
    data = t.dataSync();
  } catch (err) {
    throw new EventsError('INVALID_VALUE', `cannot read the ${what} tensor: ${(err as Error).message}`, {
      tag,
      cause: err,
    });
  }
  return data instanceof Uint8Array && t.dtype === 'bool' ? Float64Array.from(data) : (data as ArrayLike<number>);
}

/** An array argument: a tensor's values, else the value as given (the caller checks it). */
export function arrayOf(value: unknown, what: string, tag?: string): unknown {
  return isTensorLike(value) ? tensorValues(value, what, tag) : value;
}

/** A scalar argument as a number: a number, or a tensor or typed array holding exactly one element. */
export function scalarOf(value: unknown, what: string, tag?: string): unknown {
  if (isTensorLike(value)) {
    const data = tensorValues(value, what, tag);
    if (data.length !== 1) {
      throw new EventsError(
        'INVALID_VALUE',
        `${what} must have one element, got a tensor of shape [${value.shape.join(', ')}]`,
        { tag },
      );
    }
    return data[0];
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<unknown>;
    if (arr.length !== 1) {
      throw new EventsError('INVALID_VALUE', `${what} must have one element, got ${arr.length}`, { tag });
    }
    return typeof arr[0] === 'bigint' ? arr[0] : Number(arr[0]);
  }
  return value;
}
