// What a Saver saves and restores: @tensorgraft/bundle-io Tensors (plain typed arrays) or TensorFlow.js tensors and
// Variables. tfjs is duck-typed here and imported only when a value must be created for a Variable, so the package
// works without it.
import type { Tensor } from '@tensorgraft/bundle-io';
import { SaverError } from './errors.js';

/** A tfjs Tensor (or Variable): the members this package uses. */
export interface TfjsTensorLike {
  readonly dtype: string;
  readonly shape: number[];
  dataSync(): ArrayLike<unknown>;
}

/** A tfjs Variable: a tensor that can be assigned. */
export interface TfjsVariableLike extends TfjsTensorLike {
  readonly name: string;
  assign(value: unknown): void;
}

export type SaveableValue = Tensor | TfjsTensorLike;

/** A tfjs-layers LayerVariable (model.weights): named `<layer>/<weight>` like Keras, read() and write(). */
export interface LayerVariableLike {
  readonly originalName: string;
  /** tfjs-layers types it `(number | null)[]`; a weight's dims are always known. */
  readonly shape: readonly (number | null)[];
  readonly dtype: string;
  read(): { dataSync(): ArrayLike<unknown> };
  write(value: unknown): unknown;
}

export function isLayerVariable(v: unknown): v is LayerVariableLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LayerVariableLike).originalName === 'string' &&
    typeof (v as LayerVariableLike).read === 'function' &&
    typeof (v as LayerVariableLike).write === 'function'
  );
}

/** A LayerVariable as a Variable named by its Keras-style name. */
export function fromLayerVariable(w: LayerVariableLike): TfjsVariableLike {
  return {
    name: w.originalName,
    dtype: w.dtype,
    shape: w.shape.map((d) => d ?? 0),
    dataSync: () => w.read().dataSync(),
    assign: (v: unknown) => void w.write(v),
  };
}

export function isTfjs(v: unknown): v is TfjsTensorLike {
  return typeof v === 'object' && v !== null && typeof (v as TfjsTensorLike).dataSync === 'function';
}

export function isTfjsVariable(v: unknown): v is TfjsVariableLike {
  return isTfjs(v) && typeof (v as TfjsVariableLike).assign === 'function';
}

const utf8 = new TextEncoder();

/** A value as a bundle-io Tensor (tfjs values are read synchronously; bundle-io Tensors are returned as they are). */
export function toTensor(name: string, value: SaveableValue): Tensor {
  if (!isTfjs(value)) return value;
  const data = value.dataSync();
  const shape = [...value.shape];
  switch (value.dtype) {
    case 'float32':
    case 'int32':
    case 'complex64':
      return { dtype: value.dtype, shape, data: data as Float32Array | Int32Array };
    case 'bool':
      return { dtype: 'bool', shape, data: Uint8Array.from(data as ArrayLike<number>) };
    case 'string':
      return {
        dtype: 'string',
        shape,
        data: Array.from(data as ArrayLike<string | Uint8Array>, (s) => (typeof s === 'string' ? utf8.encode(s) : s)),
      };
    default:
      throw new SaverError('UNSUPPORTED', `tfjs dtype ${value.dtype} cannot be saved`, { variable: name });
  }
}

/** dtype and shape of a value without reading its data. */
export function describe(value: SaveableValue): { dtype: string; shape: number[] } {
  return { dtype: value.dtype, shape: [...value.shape] };
}

/**
 * The dtype a tfjs value uses for a checkpoint dtype: tfjs has no int64, so int64 checkpoint tensors go into int32
 * tfjs values (with a range check when restoring).
 */
export function compatibleDType(checkpointDType: string, target: SaveableValue): boolean {
  if (checkpointDType === target.dtype) return true;
  return isTfjs(target) && checkpointDType === 'int64' && target.dtype === 'int32';
}

type TfjsModule = {
  tensor(values: unknown, shape: number[], dtype: string): unknown;
  complex(real: Float32Array, imag: Float32Array): unknown;
  reshape(x: unknown, shape: number[]): unknown;
  dispose(t: unknown): void;
};

let tfjs: Promise<TfjsModule> | undefined;

async function loadTfjs(): Promise<TfjsModule> {
  const moduleName = '@tensorflow/tfjs-core';
  tfjs ??= (import(moduleName) as Promise<TfjsModule>).catch((err: unknown) => {
    tfjs = undefined;
    throw new SaverError('UNSUPPORTED', 'restoring into tfjs Variables needs @tensorflow/tfjs-core installed', {
      cause: err,
    });
  });
  return tfjs;
}

/** Writes a checkpoint tensor into `target` (a tfjs Variable is assigned; a bundle-io Tensor gets its data replaced). */
export async function assignValue(name: string, target: SaveableValue, t: Tensor): Promise<void> {
  if (!isTfjs(target)) {
    const dst = target.data;
    if (
      !Array.isArray(dst) &&
      !Array.isArray(t.data) &&
      dst.constructor === t.data.constructor &&
      dst.length === t.data.length
    ) {
      (dst as Float32Array).set(t.data as Float32Array);
    } else {
      (target as { data: Tensor['data'] }).data = t.data;
    }
    return;
  }
  if (!isTfjsVariable(target)) {
    throw new SaverError('INVALID_ARGUMENT', 'a tfjs Tensor cannot be restored into: pass a Variable', {
      variable: name,
    });
  }
  const tf = await loadTfjs();
  let data: unknown = t.data;
  if (t.dtype === 'int64') {
    const src = t.data as BigInt64Array;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (v > 2147483647n || v < -2147483648n) {
        throw new SaverError('DTYPE_MISMATCH', `int64 value ${v} does not fit the int32 tfjs variable`, {
          variable: name,
        });
      }
      out[i] = Number(v);
    }
    data = out;
  }
  let value: unknown;
  if (t.dtype === 'complex64') {
    const src = t.data as Float32Array;
    const re = new Float32Array(src.length / 2);
    const im = new Float32Array(src.length / 2);
    for (let i = 0; i < re.length; i++) {
      re[i] = src[2 * i]!;
      im[i] = src[2 * i + 1]!;
    }
    const flat = tf.complex(re, im);
    value = tf.reshape(flat, t.shape);
    tf.dispose(flat);
  } else {
    value = tf.tensor(data, t.shape, target.dtype);
  }
  try {
    target.assign(value);
  } finally {
    tf.dispose(value);
  }
}
