// Strings for the generated decoders (scripts/generate.mjs puts `$readString(r)` where protobufjs wrote
// `r.stringVerify()`). Layout read: varint byte length, then that many UTF-8 bytes.
//
// Why: node names, ops, inputs and attr keys are short ASCII, and most of them repeat (every input names an earlier
// node; ops, attr keys and devices come from a small set). protobufjs's strict reader builds each one by
// concatenating String.fromCharCode chunks: several intermediate strings per name, all garbage. Here short ASCII is
// looked up in a small direct-mapped cache (hash of the bytes, then a byte-by-byte comparison, so a hit is always the
// same string) and otherwise made as one flat string by Buffer's native latin1Slice (ASCII reads the same in Latin-1).
// Anything with a byte >= 0x80, long strings (TextDecoder's validation is fast there) and runtimes without Buffer take
// protobufjs's strict UTF-8 path, so malformed UTF-8 is rejected exactly as before.
import protobuf from 'protobufjs/minimal.js';

type Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: Slice } } }).Buffer?.prototype.latin1Slice;
const readStrict = protobuf.util.utf8.readStrict;
/** Strings up to this many bytes take the ASCII path; above it the native validator beats a byte loop. */
const SHORT = 64;
/** Cache slots (a power of two): at most this many short strings stay referenced between decodes. */
const SLOTS = 4096;
const cache: string[] = new Array<string>(SLOTS).fill('');

export function readString(r: protobuf.Reader): string {
  const length = r.size();
  const start = r.pos;
  const end = start + length;
  // Same error text as protobufjs, so decodeMessage reports it as TRUNCATED.
  if (end > r.len) throw RangeError(`index out of range: ${start} + ${length} > ${r.len}`);
  r.pos = end;
  return stringAt(r.buf, start, end);
}

/** The UTF-8 string in `buf[start, end)`; throws on invalid UTF-8 (decode views read through here too). */
export function stringAt(buf: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return '';
  if (length <= SHORT && latin1Slice !== undefined) {
    let bits = 0;
    let hash = length;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      bits |= b;
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    if (bits < 0x80) {
      const slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
      const cached = cache[slot]!;
      if (cached.length === length) {
        let i = 0;
        while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
        if (i === length) return cached;
      }
      const s = latin1Slice.call(buf, start, end);
      cache[slot] = s;
      return s;
    }
  }
  return readStrict(buf, start, end);
}
