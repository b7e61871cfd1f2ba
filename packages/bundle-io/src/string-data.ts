// DT_STRING tensors in a V2 data file (tensorflow/core/util/tensor_bundle/tensor_bundle.cc WriteStringTensor):
//
//   [len_0:varint64 … len_{n-1}:varint64] [mcrc(L):uint32 LE] [bytes_0 … bytes_{n-1}]
//
// L is the crc32c over each length encoded as uint32 LE (uint64 LE when > 0xffffffff), not over the varints. The
// entry's crc32c = mask of the crc extended over those lengths, then the 4 stored checksum bytes, then all string
// bytes; the entry's size is every byte written.
import { crc32c, maskCrc, readVarint64, unmaskCrc, varintSize, writeVarint } from '@tensorgraft/proto/lite';
import { BundleError } from './errors.js';

function lengthCrc(crc: number, len: number | bigint): number {
  const wide = len > 0xffffffff;
  const b = new Uint8Array(wide ? 8 : 4);
  const dv = new DataView(b.buffer);
  if (wide) dv.setBigUint64(0, BigInt(len), true);
  else dv.setUint32(0, Number(len), true);
  return crc32c(b, crc);
}

/** Encodes a string tensor; returns the bytes and the (unmasked) crc32c for the index entry. */
export function encodeStrings(values: readonly Uint8Array[]): { bytes: Uint8Array; crc: number } {
  let headerLen = 4;
  let total = 0;
  for (const v of values) {
    headerLen += varintSize(v.length);
    total += v.length;
  }
  const out = new Uint8Array(headerLen + total);
  let at = 0;
  let crc = 0;
  for (const v of values) {
    at = writeVarint(out, at, v.length);
    crc = lengthCrc(crc, v.length);
  }
  new DataView(out.buffer).setUint32(at, maskCrc(crc), true);
  crc = crc32c(out.subarray(at, at + 4), crc);
  at += 4;
  for (const v of values) {
    out.set(v, at);
    crc = crc32c(v, crc);
    at += v.length;
  }
  return { bytes: out, crc };
}

export interface StringContext {
  path: string | undefined;
  offset: number;
  tensor: string;
}

/**
 * Decodes `n` strings from `bytes` (exactly the entry's bytes). Returns the strings and the crc32c of the entry
 * computed as TensorFlow does, for the caller to compare with the index.
 */
export function decodeStrings(
  bytes: Uint8Array,
  n: number,
  ctx: StringContext,
  verify = true,
): { values: Uint8Array[]; crc: number } {
  const bad = (msg: string, at: number): BundleError =>
    new BundleError('CORRUPT_DATA', msg, { path: ctx.path, offset: ctx.offset + at, tensor: ctx.tensor });
  // Each length takes at least one byte: a count the bytes cannot hold is rejected before allocating.
  if (n > bytes.length) throw bad(`${n} strings cannot fit in ${bytes.length} bytes`, 0);
  const lengths = new Array<number>(n);
  let at = 0;
  let crc = 0;
  let total = 0;
  // The lengths are checked against their checksum before their values are trusted, so a damaged length is reported
  // as a checksum mismatch; only lengths that cannot even be parsed are CORRUPT_DATA.
  for (let i = 0; i < n; i++) {
    let len: bigint;
    try {
      const d = readVarint64(bytes, at);
      len = d.value;
      at = d.next;
    } catch (err) {
      throw bad(`bad string length ${i}: ${(err as Error).message}`, at);
    }
    lengths[i] = len > BigInt(bytes.length) ? -1 : Number(len);
    total += lengths[i]!;
    crc = lengthCrc(crc, len);
  }
  if (at + 4 > bytes.length) throw bad('string lengths run past the entry', at);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  if (verify && unmaskCrc(stored) !== crc) {
    throw new BundleError('TENSOR_CHECKSUM', 'string lengths checksum mismatch', {
      path: ctx.path,
      offset: ctx.offset + at,
      tensor: ctx.tensor,
    });
  }
  if (lengths.some((l) => l < 0)) throw bad('a string length is larger than the entry', at);
  crc = crc32c(bytes.subarray(at, at + 4), crc);
  at += 4;
  if (at + total !== bytes.length)
    throw bad(`string bytes (${total}) do not fill the entry (${bytes.length - at} left)`, at);
  const values = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const v = bytes.subarray(at, at + lengths[i]!);
    values[i] = v;
    crc = crc32c(v, crc);
    at += lengths[i]!;
  }
  return { values, crc };
}
