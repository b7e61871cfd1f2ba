// Reading the TensorFlow-written fixtures (fixtures/checkpoints, made by interop/fixtures/make_checkpoints.py) and
// their JSON sidecars, and turning tensors to and from the sidecars' value encoding.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@tensorgraft/bundle-io';
import { bits16ToFloat32, dtypeInfo } from '@tensorgraft/proto';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'checkpoints');

export interface JsonTensor {
  dtype: string;
  shape: number[];
  values: unknown[];
  bits?: number[];
  name?: string;
  shape_and_slice?: string;
}

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function expected<T = { prefix: string; tensors: Record<string, JsonTensor> }>(kase: string): T {
  return JSON.parse(readFileSync(fixture(kase, 'expected.json'), 'utf8')) as T;
}

function num(v: unknown): number {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return v as number;
}

function jnum(x: number): unknown {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return x;
}

/** A Tensor from the sidecar encoding. */
export function tensorFromJson(j: JsonTensor): Tensor {
  const info = dtypeInfo(j.dtype);
  const shape = j.shape;
  switch (info.kind) {
    case 'string':
      return { dtype: j.dtype, shape, data: j.values.map((v) => new Uint8Array(Buffer.from(v as string, 'base64'))) };
    case 'half':
    case 'bfloat16':
      return { dtype: j.dtype, shape, data: Uint16Array.from(j.bits!) };
    case 'complex': {
      const Ctor = info.arrayType as Float32ArrayConstructor;
      return { dtype: j.dtype, shape, data: Ctor.from((j.values as unknown[][]).flat().map(num)) };
    }
    case 'bigint': {
      const Ctor = info.arrayType as BigInt64ArrayConstructor;
      return { dtype: j.dtype, shape, data: Ctor.from(j.values.map((v) => BigInt(v as string))) };
    }
    default: {
      const Ctor = info.arrayType as Float64ArrayConstructor;
      return { dtype: j.dtype, shape, data: Ctor.from(j.values.map(num)) };
    }
  }
}

/** The sidecar encoding of a Tensor. */
export function tensorToJson(t: Tensor): JsonTensor {
  const info = dtypeInfo(t.dtype);
  const out: JsonTensor = { dtype: t.dtype, shape: t.shape, values: [] };
  const d = t.data;
  switch (info.kind) {
    case 'string':
      out.values = (d as Uint8Array[]).map((v) => Buffer.from(v).toString('base64'));
      break;
    case 'half':
    case 'bfloat16':
      out.bits = Array.from(d as Uint16Array);
      out.values = Array.from(bits16ToFloat32(d as Uint16Array, info.kind === 'half' ? 'float16' : 'bfloat16'), jnum);
      break;
    case 'complex': {
      const a = Array.from(d as Float32Array);
      for (let i = 0; i < a.length; i += 2) out.values.push([jnum(a[i]!), jnum(a[i + 1]!)]);
      break;
    }
    case 'bigint':
      out.values = Array.from(d as BigInt64Array, (v) => v.toString());
      break;
    default:
      out.values = Array.from(d as Float64Array, jnum);
  }
  return out;
}

/** Parses SaveV2's shape_and_slice string, e.g. `6 4 2,3:-`, into the full shape and extents. */
export function parseShapeAndSlice(spec: string): {
  fullShape: number[];
  extents: { start: number; length: number }[];
} {
  const parts = spec.split(' ');
  const slice = parts.pop()!;
  return {
    fullShape: parts.map(Number),
    extents: slice.split(':').map((e) => {
      if (e === '-') return { start: 0, length: -1 };
      const [s, l] = e.split(',').map(Number);
      return { start: s!, length: l! };
    }),
  };
}
