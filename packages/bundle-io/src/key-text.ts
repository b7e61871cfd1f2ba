// Tensor names are bytes in TensorFlow (SaveV2 takes any string tensor: a leading NUL, control characters, bytes
// that are not UTF-8) and strings here. The mapping is UTF-8 with Python's "surrogateescape" for the rest: a byte
// that does not start a valid UTF-8 sequence becomes the lone surrogate U+DC00 + byte, and back. It is lossless both
// ways, and no valid UTF-8 decodes to a lone surrogate, so two different keys never get the same name.
import { BundleError } from './errors.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

/** The name of a table key: its UTF-8 text, with each byte that is not valid UTF-8 as U+DC00 + byte. */
export function keyToName(key: Uint8Array): string {
  try {
    return strict.decode(key);
  } catch {
    return escapeInvalid(key);
  }
}

/** The table key of a name (keyToName's inverse); a lone surrogate outside U+DC80..U+DCFF has no key. */
export function nameToKey(name: string): Uint8Array {
  if (!/[\uD800-\uDFFF]/.test(name)) return utf8.encode(name);
  const out: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < name.length) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        for (const b of utf8.encode(name.slice(i, i + 2))) out.push(b);
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else if (c >= 0xd800 && c <= 0xdfff) {
      throw new BundleError('INVALID_ARGUMENT', `name has a lone surrogate U+${c.toString(16).toUpperCase()}`, {
        tensor: name,
      });
    } else for (const b of utf8.encode(name[i]!)) out.push(b);
  }
  return Uint8Array.from(out);
}

/** Decodes valid UTF-8 sequences and escapes every other byte (as Python's bytes.decode('utf-8', 'surrogateescape')). */
function escapeInvalid(key: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < key.length) {
    const n = validSequenceLength(key, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + key[i]!);
      i++;
    } else {
      out += strict.decode(key.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i` (1-4), or 0 when the bytes there are not one (RFC 3629 table). */
function validSequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
