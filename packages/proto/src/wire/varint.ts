// Protobuf base-128 varints: 7 bits a byte, low group first, high bit set on every byte but the last.
// 32-bit forms take at most 5 bytes, 64-bit forms at most 10. Decoders check bounds and length: a varint that runs
// past the input is TRUNCATED, one longer than its width allows is BAD_WIRE.
import { ProtoError } from '../errors.js';

export interface Decoded<T> {
  value: T;
  /** Offset just past the varint. */
  next: number;
}

/** Bytes needed to encode `value` (a non-negative integer below 2^64). */
export function varintSize(value: number | bigint): number {
  let v = BigInt(value);
  if (v < 0n) throw new ProtoError('INVALID_ARGUMENT', `varint value must be non-negative, got ${value}`);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Writes `value` at `offset` (the caller sized `buf`); returns the offset after it. */
export function writeVarint(buf: Uint8Array, offset: number, value: number | bigint): number {
  if (typeof value === 'number' && value >= 0 && value <= 0xffffffff && Number.isInteger(value)) {
    let v = value;
    while (v >= 0x80) {
      buf[offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[offset++] = v;
    return offset;
  }
  let v = BigInt(value);
  if (v < 0n || v >= 1n << 64n) throw new ProtoError('INVALID_ARGUMENT', `varint value out of range: ${value}`);
  while (v >= 0x80n) {
    buf[offset++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[offset++] = Number(v);
  return offset;
}

/** A fresh buffer holding `value` as a varint. */
export function encodeVarint(value: number | bigint): Uint8Array {
  const out = new Uint8Array(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

/** Reads a varint of at most 5 bytes whose value fits in 32 bits. */
export function readVarint32(buf: Uint8Array, offset: number): Decoded<number> {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const at = offset + i;
    if (at >= buf.length) throw new ProtoError('TRUNCATED', 'varint runs past the end of the input', { offset });
    const b = buf[at]!;
    if (i === 4 && b > 0x0f) throw new ProtoError('BAD_WIRE', 'varint32 overflows 32 bits', { offset });
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return { value: result, next: at + 1 };
  }
  throw new ProtoError('BAD_WIRE', 'varint32 longer than 5 bytes', { offset });
}

/** Reads a varint of at most 10 bytes as an unsigned 64-bit BigInt. */
export function readVarint64(buf: Uint8Array, offset: number): Decoded<bigint> {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const at = offset + i;
    if (at >= buf.length) throw new ProtoError('TRUNCATED', 'varint runs past the end of the input', { offset });
    const b = buf[at]!;
    if (i === 9 && b > 0x01) throw new ProtoError('BAD_WIRE', 'varint64 overflows 64 bits', { offset });
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (b < 0x80) return { value: result, next: at + 1 };
  }
  throw new ProtoError('BAD_WIRE', 'varint64 longer than 10 bytes', { offset });
}

/**
 * Reads a 64-bit varint as a JS number, for lengths and offsets. A value above Number.MAX_SAFE_INTEGER cannot be a real
 * size or offset in a file, so it is BAD_WIRE rather than a silently rounded number.
 */
export function readVarintSafe(buf: Uint8Array, offset: number): Decoded<number> {
  const { value, next } = readVarint64(buf, offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ProtoError('BAD_WIRE', `varint ${value} is larger than any size or offset can be`, { offset });
  }
  return { value: Number(value), next };
}
