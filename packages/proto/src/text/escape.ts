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

/** Bytes escaped as Python prints a bytes field: printable ASCII as is, everything else escaped. */
export function escapeBytes(b: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < b.length; i++) {
    chunk += BYTE_ESCAPES[b[i] as number];
    if ((i & 4095) === 4095) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
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

const utf8 = new TextEncoder();

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/** The bytes of the literal text[start, end) (between its quotes), escapes resolved. */
export function unescapeLiteral(text: string, start: number, end: number): Uint8Array {
  const out: number[] = [];
  let run = start;
  const flush = (to: number) => {
    if (to > run) for (const b of utf8.encode(text.slice(run, to))) out.push(b);
  };
  let i = start;
  while (i < end) {
    if (text.charCodeAt(i) !== 92) {
      i++;
      continue;
    }
    flush(i);
    const at = i;
    const c = i + 1 < end ? text.charCodeAt(i + 1) : -1;
    i += 2;
    switch (c) {
      case 110:
        out.push(10);
        break; // n
      case 116:
        out.push(9);
        break; // t
      case 114:
        out.push(13);
        break; // r
      case 97:
        out.push(7);
        break; // a
      case 98:
        out.push(8);
        break; // b
      case 102:
        out.push(12);
        break; // f
      case 118:
        out.push(11);
        break; // v
      case 92:
        out.push(92);
        break;
      case 39:
        out.push(39);
        break;
      case 34:
        out.push(34);
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
        if (n === 0) throw new EscapeError('truncated \\xXX escape', at);
        out.push(v);
        break;
      }
      case 117: // u: exactly 4 hex digits
      case 85: {
        // U: exactly 8 hex digits
        const want = c === 117 ? 4 : 8;
        let v = 0;
        for (let n = 0; n < want; n++, i++) {
          const h = i < end ? hexValue(text.charCodeAt(i)) : -1;
          if (h < 0) throw new EscapeError(`truncated \\${String.fromCharCode(c)} escape`, at);
          v = v * 16 + h;
        }
        if (v > 0x10ffff) throw new EscapeError('\\U escape out of the Unicode range', at);
        if (v >= 0xd800 && v <= 0xdfff) throw new EscapeError('surrogate code point in a \\u escape', at);
        pushUtf8(out, v);
        break;
      }
      case 78: // N{name}
        throw new EscapeError('\\N{...} escapes are not supported', at);
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
          if (v > 255) throw new EscapeError(`octal escape \\${v.toString(8)} is above \\377`, at);
          out.push(v);
        } else {
          // Unknown escape: Python's unicode_escape keeps the backslash and the character.
          out.push(92);
          i = at + 1;
        }
    }
    run = i;
  }
  flush(end);
  return Uint8Array.from(out);
}
