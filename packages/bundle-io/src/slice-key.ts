// Table keys of tensor slices (tensorflow/core/util/saved_tensor_slice_util.cc EncodeTensorNameSlice, with
// tensorflow/core/lib/strings/ordered_code.cc), shared by V2 partitioned entries and V1 data entries:
//
//   key := NumInc(0) ‖ Str(name) ‖ NumInc(rank) ‖ (SNumInc(start) ‖ SNumInc(length)) per dim      (full dim: 0, -1)
//   NumInc(u)   := len:uint8 ‖ u big-endian without leading zero bytes (0 -> `00`)
//   Str(s)      := s with 00 -> `00 ff` and ff -> `ff 00`, then `00 01`
//   SNumInc(v)  := v sign-extended big-endian, last `len` bytes, first two XORed with the header bits of `len`
//                  (len 1: one byte 0x80 ^ v, for -64 <= v < 64)
// The leading 0x00 sorts every slice key right after the header key "" and before any tensor name.
import { nameToKey } from './key-text.js';
import type { SliceExtent } from './tensor.js';

const HEADER_BITS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0x80, 0],
  [0xc0, 0],
  [0xe0, 0],
  [0xf0, 0],
  [0xf8, 0],
  [0xfc, 0],
  [0xfe, 0],
  [0xff, 0],
  [0xff, 0x80],
  [0xff, 0xc0],
];

function numIncreasing(out: number[], value: number): void {
  const bytes: number[] = [];
  let v = BigInt(value);
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  out.push(bytes.length, ...bytes);
}

function signedNumIncreasing(out: number[], value: number): void {
  const v = BigInt(value);
  const x = v < 0n ? ~v : v;
  if (x < 64n) {
    out.push((0x80 ^ Number(v & 0xffn)) & 0xff);
    return;
  }
  const bits = x.toString(2).length + 1; // bit length of x, plus the sign bit
  const len = Math.min(10, Math.ceil(bits / 7));
  // Sign-extended 10-byte big-endian value.
  const buf: number[] = [];
  let u = BigInt.asUintN(80, v);
  for (let i = 0; i < 10; i++) {
    buf.unshift(Number(u & 0xffn));
    u >>= 8n;
  }
  const part = buf.slice(10 - len);
  const [h0, h1] = HEADER_BITS[len]!;
  part[0]! ^= h0;
  part[1]! ^= h1;
  out.push(...part);
}

/** The table key of a slice of tensor `name`; `extents` has one entry per dim (length -1 = the whole dim). */
export function encodeSliceKey(name: string, extents: readonly SliceExtent[]): Uint8Array {
  const out: number[] = [];
  numIncreasing(out, 0);
  for (const b of nameToKey(name)) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
  numIncreasing(out, extents.length);
  for (const e of extents) {
    signedNumIncreasing(out, e.start);
    signedNumIncreasing(out, e.length);
  }
  return Uint8Array.from(out);
}
