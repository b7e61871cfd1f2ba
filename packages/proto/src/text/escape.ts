// String and bytes literals of the text format, as Python protobuf writes and reads them (text_encoding.py).
// Writing: bytes fields escape every byte outside printable ASCII as 3-digit octal (`\377`), plus \t \n \r \" \' \\;
// string fields (as_utf8, Python's default) escape only ASCII controls, DEL and the quote/backslash characters and
// keep other characters as they are.
// Reading (CUnescape): \n \t \r \a \b \f \v \\ \' \", \ooo (1-3 octal digits, at most \377), \xh or \xhh,
// \uXXXX and \UXXXXXXXX (written out as UTF-8); any other escaped character keeps its backslash, as Python does.

const OCTAL = (c: number) => `\\${(c >> 6) & 7}${(c >> 3) & 7}${c & 7}`;

function special(c: number): string | undefined {
  switch (c) {
    case 9:
      return '\\t';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 34:
      return '\\"';
    case 39:
      return "\\'";
    case 92:
      return '\\\\';
    default:
      return undefined;
  }
}

/** How each byte value prints inside a bytes literal. */
const BYTE_ESCAPES: readonly string[] = Array.from({ length: 256 }, (_, c) => {
  const s = special(c);
  if (s !== undefined) return s;
  return c >= 32 && c < 127 ? String.fromCharCode(c) : OCTAL(c);
});

const NEEDS_STRING_ESCAPE = /[\x00-\x1f\x7f"'\\]/;

/** A string field's value escaped as Python prints it with as_utf8=True (non-ASCII kept). */
export function escapeString(s: string): string {
  if (!NEEDS_STRING_ESCAPE.test(s)) return s;
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127 || c === 34 || c === 39 || c === 92) {
      out += s.slice(run, i) + BYTE_ESCAPES[c];
      run = i + 1;
    }
  }
  return out + s.slice(run);
}

/** Per byte value: 0 prints as itself, a letter code for a two-character escape (\\n), -1 for a 3-digit octal. */
const BYTE_KIND: Int16Array = Int16Array.from({ length: 256 }, (_, c) => {
  const e = BYTE_ESCAPES[c] as string;
  if (e.length === 1) return 0;
  return e.length === 2 ? e.charCodeAt(1) : -1;
});
const ascii = new TextDecoder('utf-8');

/** Bytes escaped as Python prints a bytes field: printable ASCII as is, everything else escaped. */
export function escapeBytes(b: Uint8Array): string {
  // At most 4 output characters per byte (\ooo); written as ASCII bytes, decoded once.
  const out = new Uint8Array(b.length * 4);
  let at = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    const kind = BYTE_KIND[c] as number;
    if (kind === 0) out[at++] = c;
    else if (kind > 0) {
      out[at++] = 92;
      out[at++] = kind;
    } else {
      out[at++] = 92;
      out[at++] = 48 + (c >> 6);
      out[at++] = 48 + ((c >> 3) & 7);
      out[at++] = 48 + (c & 7);
    }
  }
  return ascii.decode(out.subarray(0, at));
}

/** Thrown by unescape() with the offset (in the text) of the bad escape; the parser turns it into a ProtoError. */
export class EscapeError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** The bytes of the literal text[start, end) (between its quotes), escapes resolved. */
export function unescapeLiteral(text: string, start: number, end: number): Uint8Array {
  // Each UTF-16 unit becomes at most 3 UTF-8 bytes and escapes only shrink, so this buffer is always large enough.
  const out = new Uint8Array((end - start) * 3);
  let at = 0;
  let i = start;
  while (i < end) {
    const ch = text.charCodeAt(i);
    if (ch !== 92) {
      if (ch < 0x80) {
        out[at++] = ch;
        i++;
        continue;
      }
      let cp = ch;
      if (ch >= 0xd800 && ch <= 0xdbff && i + 1 < end) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((ch - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate cannot be UTF-8 encoded
      at = putUtf8(out, at, cp);
      i++;
      continue;
    }
    const escapeAt = i;
    const c = i + 1 < end ? text.charCodeAt(i + 1) : -1;
    i += 2;
    switch (c) {
      case 110: // n
        out[at++] = 10;
        break;
      case 116: // t
        out[at++] = 9;
        break;
      case 114: // r
        out[at++] = 13;
        break;
      case 97: // a
        out[at++] = 7;
        break;
      case 98: // b
        out[at++] = 8;
        break;
      case 102: // f
        out[at++] = 12;
        break;
      case 118: // v
        out[at++] = 11;
        break;
      case 92:
      case 39:
      case 34:
        out[at++] = c;
        break;
      case 120: {
        // x: one or two hex digits
        let v = 0;
        let n = 0;
        while (n < 2 && i < end && hexValue(text.charCodeAt(i)) >= 0) {
          v = v * 16 + hexValue(text.charCodeAt(i));
          i++;
          n++;
        }
        if (n === 0) throw new EscapeError('truncated \\xXX escape', escapeAt);
        out[at++] = v;
        break;
      }
      case 117: // u: exactly 4 hex digits
      case 85: {
        // U: exactly 8 hex digits
        const want = c === 117 ? 4 : 8;
        let v = 0;
        for (let n = 0; n < want; n++, i++) {
          const h = i < end ? hexValue(text.charCodeAt(i)) : -1;
          if (h < 0) throw new EscapeError(`truncated \\${String.fromCharCode(c)} escape`, escapeAt);
          v = v * 16 + h;
        }
        if (v > 0x10ffff) throw new EscapeError('\\U escape out of the Unicode range', escapeAt);
        if (v >= 0xd800 && v <= 0xdfff) throw new EscapeError('surrogate code point in a \\u escape', escapeAt);
        at = putUtf8(out, at, v);
        break;
      }
      case 78: // N{name}
        throw new EscapeError('\\N{...} escapes are not supported', escapeAt);
      default:
        if (c >= 48 && c <= 55) {
          // octal: up to three digits
          let v = c - 48;
          for (let n = 1; n < 3 && i < end; n++) {
            const d = text.charCodeAt(i);
            if (d < 48 || d > 55) break;
            v = v * 8 + (d - 48);
            i++;
          }
          if (v > 255) throw new EscapeError(`octal escape \\${v.toString(8)} is above \\377`, escapeAt);
          out[at++] = v;
        } else {
          // Unknown escape: Python's unicode_escape keeps the backslash; the character follows as ordinary text.
          out[at++] = 92;
          i = escapeAt + 1;
        }
    }
  }
  return out.slice(0, at);
}

function putUtf8(out: Uint8Array, at: number, cp: number): number {
  if (cp < 0x80) out[at++] = cp;
  else if (cp < 0x800) {
    out[at++] = 0xc0 | (cp >> 6);
    out[at++] = 0x80 | (cp & 63);
  } else if (cp < 0x10000) {
    out[at++] = 0xe0 | (cp >> 12);
    out[at++] = 0x80 | ((cp >> 6) & 63);
    out[at++] = 0x80 | (cp & 63);
  } else {
    out[at++] = 0xf0 | (cp >> 18);
    out[at++] = 0x80 | ((cp >> 12) & 63);
    out[at++] = 0x80 | ((cp >> 6) & 63);
    out[at++] = 0x80 | (cp & 63);
  }
  return at;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
