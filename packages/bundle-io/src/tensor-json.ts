// Tensors as plain JSON values, for `tensorgraft cat --json` and for tests: values flattened row-major; floats as
// numbers with "NaN", "Infinity", "-Infinity" for non-finite ones; float16/bfloat16 as their float values; complex as
// [re, im]; bool as true/false; int64/uint64 as numbers when every value is a safe integer, else all as decimal
// strings; strings as UTF-8 text, or {"base64": "..."} when the bytes are not UTF-8.
import { bits16ToFloat32, dtypeInfo } from '@tensorgraft/proto/lite';
import type { NumericData, Tensor } from './tensor.js';

export type JsonValue = number | string | boolean | [JsonValue, JsonValue] | { base64: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonNumber(x: number): number | string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return x;
}

function jsonString(b: Uint8Array): string | { base64: string } {
  try {
    return utf8.decode(b);
  } catch {
    return { base64: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64') };
  }
}

/** The values of `t` (or its first `limit`) as JSON values. */
export function tensorJsonValues(t: Tensor, limit = Number.POSITIVE_INFINITY): JsonValue[] {
  const info = dtypeInfo(t.dtype);
  const d = t.data;
  const count = Math.min(limit, info.kind === 'complex' ? (d as NumericData).length / 2 : d.length);
  const out: JsonValue[] = new Array(count);
  switch (info.kind) {
    case 'string':
      for (let i = 0; i < count; i++) out[i] = jsonString((d as Uint8Array[])[i]!);
      return out;
    case 'half':
    case 'bfloat16': {
      const f = bits16ToFloat32((d as Uint16Array).subarray(0, count), info.kind === 'half' ? 'float16' : 'bfloat16');
      for (let i = 0; i < count; i++) out[i] = jsonNumber(f[i]!);
      return out;
    }
    case 'complex':
      for (let i = 0; i < count; i++) {
        const a = d as Float32Array;
        out[i] = [jsonNumber(a[2 * i]!), jsonNumber(a[2 * i + 1]!)];
      }
      return out;
    case 'bool':
      for (let i = 0; i < count; i++) out[i] = (d as Uint8Array)[i] !== 0;
      return out;
    case 'bigint': {
      const a = d as BigInt64Array;
      let safe = true;
      for (let i = 0; i < count && safe; i++)
        safe = a[i]! <= BigInt(Number.MAX_SAFE_INTEGER) && a[i]! >= BigInt(Number.MIN_SAFE_INTEGER);
      for (let i = 0; i < count; i++) out[i] = safe ? Number(a[i]!) : a[i]!.toString();
      return out;
    }
    default:
      for (let i = 0; i < count; i++) out[i] = jsonNumber((d as Float64Array)[i]!);
      return out;
  }
}

/** Element values as numbers for comparison (complex: both parts in turn; strings: undefined). */
function numbers(t: Tensor): Float64Array | undefined {
  const info = dtypeInfo(t.dtype);
  if (info.kind === 'string') return undefined;
  if (info.kind === 'half' || info.kind === 'bfloat16') {
    return Float64Array.from(bits16ToFloat32(t.data as Uint16Array, info.kind === 'half' ? 'float16' : 'bfloat16'));
  }
  const d = t.data as NumericData;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
  return out;
}

export interface TensorDifference {
  /** 'same', or what differs first: dtype, shape, values. */
  kind: 'same' | 'dtype' | 'shape' | 'values';
  /** For 'values': the largest |a - b| (Infinity when NaN-ness or an infinity differs; for strings, the count of differing elements). */
  maxAbsDiff?: number;
  /** Elements that differ. */
  differing?: number;
}

/** Compares two tensors: dtype, then shape, then every value (NaN equals NaN; int64 compared exactly). */
export function compareTensors(a: Tensor, b: Tensor): TensorDifference {
  if (a.dtype !== b.dtype) return { kind: 'dtype' };
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return { kind: 'shape' };
  const info = dtypeInfo(a.dtype);
  let differing = 0;
  let maxAbsDiff = 0;
  if (info.kind === 'string') {
    const x = a.data as Uint8Array[];
    const y = b.data as Uint8Array[];
    for (let i = 0; i < x.length; i++) if (Buffer.compare(x[i]!, y[i]!) !== 0) differing++;
    return differing ? { kind: 'values', differing, maxAbsDiff: differing } : { kind: 'same' };
  }
  if (info.kind === 'bigint') {
    const x = a.data as BigInt64Array;
    const y = b.data as BigInt64Array;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) {
        differing++;
        const d = Number(x[i]! > y[i]! ? x[i]! - y[i]! : y[i]! - x[i]!);
        if (d > maxAbsDiff) maxAbsDiff = d;
      }
    }
    return differing ? { kind: 'values', differing, maxAbsDiff } : { kind: 'same' };
  }
  const x = numbers(a)!;
  const y = numbers(b)!;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q || (Number.isNaN(p) && Number.isNaN(q))) continue;
    differing++;
    const d = Number.isNaN(p) || Number.isNaN(q) ? Number.POSITIVE_INFINITY : Math.abs(p - q);
    if (d > maxAbsDiff || Number.isNaN(d)) maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return differing ? { kind: 'values', differing, maxAbsDiff } : { kind: 'same' };
}
