// The text format's tokens, split exactly as Python protobuf's Tokenizer (text_format.py) splits them:
//   whitespace (Python's \s) and `#` comments to the end of the line are skipped;
//   identifier  [a-zA-Z_][0-9a-zA-Z_+-]*
//   number      ([0-9+-]|\.[0-9])[0-9a-zA-Z_.+-]*      (so `-inf`, `1.5f`, `0x1F` are single tokens)
//   string      "..." or '...' on one line, backslash escapes skipped over; an unterminated one runs to the line end
//   symbol      any other single character: { } < > [ ] : , ; / .
// The tokenizer keeps offsets only; line and column are computed from the offset when an error is reported.

export enum TokenKind {
  End = 0,
  Identifier = 1,
  Number = 2,
  String = 3,
  Symbol = 4,
}

/** Python's str.isspace() set, which `\s` matches. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** [0-9a-zA-Z_+-], plus '.' for numbers. */
function isTokenChar(c: number, dot: boolean): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 43 ||
    c === 45 ||
    (dot && c === 46)
  );
}

export class Tokenizer {
  /** Start and end offsets of the current token; kind End when the text is exhausted. */
  start = 0;
  end = 0;
  kind: TokenKind = TokenKind.End;
  /** Start of the token before the current one (Python reports some errors there). */
  prevStart = 0;
  /** For string tokens: whether the closing quote was found, and whether the body holds a backslash. */
  closed = false;
  escaped = false;

  constructor(readonly text: string) {
    this.next();
    this.prevStart = this.start;
  }

  /** The current token's text. */
  get token(): string {
    return this.text.slice(this.start, this.end);
  }

  /** Whether the current token is the single character `c`. */
  is(c: number): boolean {
    return this.kind === TokenKind.Symbol && this.text.charCodeAt(this.start) === c;
  }

  tryConsume(c: number): boolean {
    if (this.kind === TokenKind.Symbol && this.text.charCodeAt(this.start) === c) {
      this.next();
      return true;
    }
    return false;
  }

  next(): void {
    const text = this.text;
    const len = text.length;
    this.prevStart = this.start;
    let i = this.end;
    for (;;) {
      if (i >= len) {
        this.start = this.end = len;
        this.kind = TokenKind.End;
        return;
      }
      const c = text.charCodeAt(i);
      if (isSpace(c)) i++;
      else if (c === 35 /* # */) {
        const nl = text.indexOf('\n', i);
        i = nl < 0 ? len : nl;
      } else break;
    }
    this.start = i;
    const c = text.charCodeAt(i);
    if (isIdentStart(c)) {
      i++;
      while (i < len && isTokenChar(text.charCodeAt(i), false)) i++;
      this.kind = TokenKind.Identifier;
    } else if ((c >= 48 && c <= 57) || c === 43 || c === 45 || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      i++;
      while (i < len && isTokenChar(text.charCodeAt(i), true)) i++;
      this.kind = TokenKind.Number;
    } else if (c === 34 || c === 39) {
      i++;
      let escaped = false;
      let closed = false;
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d === c) {
          i++;
          closed = true;
          break;
        }
        if (d === 10) break;
        if (d === 92) {
          escaped = true;
          if (i + 1 < len && text.charCodeAt(i + 1) !== 10) i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      this.closed = closed;
      this.escaped = escaped;
      this.kind = TokenKind.String;
    } else {
      i++;
      this.kind = TokenKind.Symbol;
    }
    this.end = i;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** 1-based line and column (in code points, as Python counts) of `offset`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  let column = 1;
  for (let i = lineStart; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) i++; // a surrogate pair is one code point
    column++;
  }
  return { line, column };
}
