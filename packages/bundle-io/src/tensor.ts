// The in-memory tensor handed to and from users: TensorFlow's dtype name, a shape, and the elements row-major in the
// typed array @tensorgraft/proto's dtypes table names (complex as interleaved [re, im], half/bfloat16 as Uint16Array
// bits, bool as Uint8Array, int64 as BigInt64Array, string as one Uint8Array per element).
import { allocateLargeBuffer, type DTypeInfo, findDType, LARGE_BUFFER_BYTES } from '@tensorgraft/proto/lite';
import { BundleError } from './errors.js';

export type NumericData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export type TensorData = NumericData | Uint8Array[];

export interface Tensor {
  /** TensorFlow's name: 'float32', 'bfloat16', 'string', ... */
  dtype: string;
  shape: number[];
  data: TensorData;
}

/** One dim of a slice: `length` -1 means the whole dim (start 0). */
export interface SliceExtent {
  start: number;
  length: number;
}

/** Product of the dims; 1 for a scalar. */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** dtype facts for a dtype a checkpoint can hold as bytes; UNSUPPORTED otherwise (resource, variant). */
export function checkpointDType(dtype: number | string, tensor?: string, path?: string): DTypeInfo {
  const info = findDType(dtype);
  if (!info) throw new BundleError('UNSUPPORTED', `unknown dtype ${JSON.stringify(dtype)}`, { tensor, path });
  if (info.kind !== 'string' && (info.itemSize === 0 || !info.arrayType)) {
    throw new BundleError('UNSUPPORTED', `dtype ${info.name} is not supported in checkpoints by this package`, {
      tensor,
      path,
    });
  }
  return info;
}

/** Checks that a user's tensor is consistent (dtype known, data array of the right kind and length). */
export function validateTensor(name: string, t: Tensor): DTypeInfo {
  const info = checkpointDType(t.dtype, name);
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new BundleError('INVALID_ARGUMENT', `bad shape ${JSON.stringify(t.shape)}`, { tensor: name });
  }
  const n = numElements(t.shape);
  if (info.kind === 'string') {
    if (!Array.isArray(t.data))
      throw new BundleError('INVALID_ARGUMENT', 'string tensor data must be Uint8Array[]', { tensor: name });
    if (t.data.length !== n) {
      throw new BundleError(
        'INVALID_ARGUMENT',
        `shape ${JSON.stringify(t.shape)} needs ${n} strings, have ${t.data.length}`,
        {
          tensor: name,
        },
      );
    }
    return info;
  }
  const expected = info.kind === 'complex' ? n * 2 : n;
  if (Array.isArray(t.data) || !(t.data instanceof info.arrayType!)) {
    throw new BundleError('INVALID_ARGUMENT', `dtype ${info.name} needs a ${info.arrayType!.name}`, { tensor: name });
  }
  if (t.data.length !== expected) {
    throw new BundleError(
      'INVALID_ARGUMENT',
      `shape ${JSON.stringify(t.shape)} needs ${expected} elements, have ${t.data.length}`,
      {
        tensor: name,
      },
    );
  }
  return info;
}

/** The bytes of a numeric tensor's data, little-endian (a view, no copy, on little-endian hosts). */
export function numericBytes(data: NumericData): Uint8Array {
  if (!HOST_LITTLE_ENDIAN) {
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    byteSwap(copy, data.BYTES_PER_ELEMENT);
    return copy;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `width`-byte element in place. */
export function byteSwap(bytes: Uint8Array, width: number): void {
  if (width <= 1) return;
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * A zero-filled typed array for `n` elements of dtype `info` (complex: 2n parts). Large ones sit on 2 MiB pages where
 * the machine allows (proto's allocateLargeBuffer): filling a fresh array otherwise costs a page fault per 4 KiB.
 */
export function allocate(info: DTypeInfo, n: number): NumericData {
  const ctor = info.arrayType!;
  const count = info.kind === 'complex' ? n * 2 : n;
  const bytes = count * ctor.BYTES_PER_ELEMENT;
  if (bytes < LARGE_BUFFER_BYTES) return new ctor(count) as NumericData;
  return new ctor(allocateLargeBuffer(bytes)) as NumericData;
}
