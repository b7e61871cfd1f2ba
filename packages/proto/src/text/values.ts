// Conversions between the JavaScript shapes of field values and text: int64 as Long (protobufjs's own Long class, so
// parsed messages hold the same kind of object as decoded ones), 64-bit map keys as protobufjs's 8-character hash
// strings, bytes as Uint8Array.
import type LongType from 'long';
import LongEsm from 'long';
import protobuf from 'protobufjs/minimal.js';
import type { TextField } from './schema.js';

type LongCtor = typeof LongType;

/** The Long class protobufjs decodes into (its CommonJS copy of `long`), or the ESM one when it has none. */
export const Long: LongCtor = (protobuf.util.Long as unknown as LongCtor | null) ?? LongEsm;

export function isLongLike(v: unknown): v is { low: number; high: number; unsigned?: boolean } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { low?: unknown }).low === 'number' &&
    typeof (v as { high?: unknown }).high === 'number'
  );
}

/** Decimal text of a 64-bit field value (Long, number, bigint or decimal string), signed or unsigned. */
export function int64ToString(v: unknown, unsigned: boolean): string {
  if (isLongLike(v)) {
    // Values within +-2^53 print straight from the two halves; Long.toString is slow.
    const high = unsigned ? v.high >>> 0 : v.high | 0;
    if (high >= -0x200000 && high < 0x200000) return String(high * 4294967296 + (v.low >>> 0));
    return Long.fromBits(v.low, v.high, unsigned).toString();
  }
  if (typeof v === 'bigint')
    return BigInt.asIntN(64, v) === v || !unsigned ? v.toString() : BigInt.asUintN(64, v).toString();
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : BigInt(Math.trunc(v)).toString();
  if (typeof v === 'string') return v;
  return String(v);
}

/** A 64-bit value as a BigInt, for ordering map keys. */
export function int64ToBigInt(v: unknown, unsigned: boolean): bigint {
  const s = int64ToString(v, unsigned);
  return BigInt(s);
}

/** protobufjs keys 64-bit maps by an 8-character string of the little-endian bytes; decimal keys are taken too. */
export function hashKeyToLong(key: string, unsigned: boolean): LongType {
  if (key.length === 8 && !/^-?\d+$/.test(key)) {
    const lo =
      (key.charCodeAt(0) | (key.charCodeAt(1) << 8) | (key.charCodeAt(2) << 16) | (key.charCodeAt(3) << 24)) >>> 0;
    const hi =
      (key.charCodeAt(4) | (key.charCodeAt(5) << 8) | (key.charCodeAt(6) << 16) | (key.charCodeAt(7) << 24)) >>> 0;
    return Long.fromBits(lo, hi, unsigned);
  }
  return Long.fromString(key, unsigned);
}

export function longToHashKey(v: LongType): string {
  const lo = v.low >>> 0;
  const hi = v.high >>> 0;
  return String.fromCharCode(
    lo & 255,
    (lo >>> 8) & 255,
    (lo >>> 16) & 255,
    lo >>> 24,
    hi & 255,
    (hi >>> 8) & 255,
    (hi >>> 16) & 255,
    hi >>> 24,
  );
}

const utf8 = new TextEncoder();

/** Bytes field value as bytes: Uint8Array (Buffer included), array of numbers, or base64 string as protobufjs takes. */
export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  if (typeof v === 'string') {
    const n = protobuf.util.base64.length(v);
    const out = new Uint8Array(n);
    protobuf.util.base64.decode(v, out, 0);
    return out;
  }
  return utf8.encode(String(v));
}

/** Whether an implicit-presence scalar holds its default (and so is not printed). */
export function isDefault(field: TextField, v: unknown): boolean {
  switch (field.kind) {
    case 'string':
      return v === '';
    case 'bytes':
      return toBytes(v).length === 0;
    case 'bool':
      return !v;
    case 'float': {
      const f = Math.fround(Number(v));
      return f === 0 && !Object.is(f, -0);
    }
    case 'double': {
      const d = Number(v);
      return d === 0 && !Object.is(d, -0);
    }
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return int64ToString(v, false) === '0';
    default:
      return Number(v) === 0;
  }
}
