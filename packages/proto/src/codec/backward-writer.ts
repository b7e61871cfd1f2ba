// The writer behind encodeMessage's generated encoders (src/gen/encoders.js, made by scripts/gen-encoders.mjs).
// Layout: the bytes written so far are buf[pos, buf.length); every write goes in front of them and moves pos down.
//
// Why backwards (as upb does): an encoder writes a message's fields last to first, so when a nested message is done
// its length is known and goes straight in front of it. Writing forwards needs a placeholder byte per nested message
// and a shift of the whole body whenever the length takes two bytes or more (most GraphDef nodes).
//
// Every field writer takes the field's tag and writes the value, then the tag in front of it, with the exact bytes
// protobufjs 8's BufferWriter writes for the same value (the encoders must stay byte-identical to protobufjs's own,
// which the differential tests check): int32 coerced with `| 0` and negative values as 10-byte varints, uint32 with
// `>>> 0`, 64-bit integers as Long, number or string (LongBits.from), bytes as Uint8Array, number array or base64
// string, strings with protobufjs's own UTF-8 rules. Floats go through a DataView, little-endian stated.
import protobuf from 'protobufjs/minimal.js';

const { LongBits, utf8, base64 } = protobuf.util;
/** The parts of Node's Buffer used here, when it exists: its UTF-8 writer and base64 decoder are protobufjs's too. */
interface NodeBufferClass {
  allocUnsafe(n: number): Uint8Array;
  allocUnsafeSlow(n: number): Uint8Array;
  byteLength(s: string): number;
  from(s: string, encoding: 'base64'): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;
type WithUtf8Write = Uint8Array & { utf8Write(s: string, offset: number): number };

/** A Buffer where there is one (so Buffer's utf8Write works on it), else a Uint8Array. */
function alloc(size: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.allocUnsafeSlow(size) : new Uint8Array(size);
}

export class BackwardWriter {
  /** Backing store; the output so far is its tail from `pos`. */
  buf: Uint8Array;
  /** Start of the written bytes: buf[0, pos) is free room. */
  pos: number;
  /** Over `buf`, replaced with it; floats and doubles go through it (little-endian). */
  view: DataView;

  constructor(size = 1024) {
    this.buf = alloc(size);
    this.pos = size;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, size);
  }

  /** Makes room for at least `n` bytes in front of `pos`: a buffer twice as large (or more), the bytes at its end. */
  grow(n: number): void {
    const old = this.buf;
    const used = old.length - this.pos;
    let size = old.length * 2;
    while (size - used < n) size *= 2;
    const buf = alloc(size);
    buf.set(old.subarray(this.pos), size - used);
    this.buf = buf;
    this.pos = size - used;
    this.view = new DataView(buf.buffer, buf.byteOffset, size);
  }

  /** Forgets everything written: the whole buffer is free room again. */
  reset(): void {
    this.pos = this.buf.length;
  }

  /** A copy of the bytes written (a Buffer where Node's Buffer exists, as protobufjs's finish() gives). */
  finish(): Uint8Array {
    const n = this.buf.length - this.pos;
    if (!NodeBuffer) return this.buf.slice(this.pos);
    const out = NodeBuffer.allocUnsafe(n);
    out.set(this.buf.subarray(this.pos));
    return out;
  }
}

/** Bytes a uint32 takes as a varint. */
function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes the varint of uint32 `v` at buf[pos...] (forwards); returns the position after it. */
function putVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v > 127) {
    buf[pos++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[pos] = v;
  return pos + 1;
}

/** Puts uint32 `v` as a varint in front of buf[pos]; returns the new start. The caller made room (5 bytes). */
function prependVarint(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0x80) {
    buf[pos - 1] = v;
    return pos - 1;
  }
  const start = pos - varintSize(v);
  putVarint(buf, start, v);
  return start;
}

/** Puts the 64-bit value lo, hi (unsigned halves) as a varint in front of buf[pos]; returns the new start. */
function prependVarint64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  if (hi === 0) return prependVarint(buf, pos, lo);
  // hi has 1..32 significant bits: 32 + that many in all, 7 to a byte.
  const size = ((70 - Math.clz32(hi)) / 7) | 0;
  let at = pos - size;
  const start = at;
  while (hi) {
    buf[at++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) {
    buf[at++] = (lo & 127) | 128;
    lo >>>= 7;
  }
  buf[at] = lo;
  return start;
}

/** Room for a value of `n` bytes, its length varint and a tag of up to 5 bytes. */
function room(w: BackwardWriter, n: number): void {
  if (w.pos < n + 10) w.grow(n + 10);
}

/** The field's tag in front of the value just written (ending at `pos`); commits `pos`. */
function finishTag(w: BackwardWriter, pos: number, tag: number): void {
  w.pos = prependVarint(w.buf, pos, tag);
}

/**
 * How many bytes are written so far: taken before a nested message, for `delimited` after it. (Not `pos` itself,
 * which moves when the buffer grows.)
 */
export function mark(w: BackwardWriter): number {
  return w.buf.length - w.pos;
}

/** A nested message's length and tag, in front of the message written since `mark(w)` gave `start`. */
export function delimited(w: BackwardWriter, start: number, tag: number): void {
  if (w.pos < 10) w.grow(10);
  const buf = w.buf;
  const pos = w.pos;
  const len = buf.length - pos - start;
  if (len < 0x80 && tag < 0x80) {
    buf[pos - 1] = len;
    buf[pos - 2] = tag;
    w.pos = pos - 2;
  } else finishTag(w, prependVarint(buf, pos, len), tag);
}

export function uint32(w: BackwardWriter, tag: number, v: number): void {
  room(w, 5);
  finishTag(w, prependVarint(w.buf, w.pos, v >>> 0), tag);
}

export function int32(w: BackwardWriter, tag: number, v: number): void {
  room(w, 10);
  v |= 0;
  // Negative values as 64-bit, sign-extended: 10 bytes.
  const pos = v < 0 ? prependVarint64(w.buf, w.pos, v >>> 0, 0xffffffff) : prependVarint(w.buf, w.pos, v);
  finishTag(w, pos, tag);
}

export function sint32(w: BackwardWriter, tag: number, v: number): void {
  room(w, 5);
  finishTag(w, prependVarint(w.buf, w.pos, ((v << 1) ^ (v >> 31)) >>> 0), tag);
}

export function bool(w: BackwardWriter, tag: number, v: unknown): void {
  room(w, 1);
  w.buf[w.pos - 1] = v ? 1 : 0;
  finishTag(w, w.pos - 1, tag);
}

export function fixed32(w: BackwardWriter, tag: number, v: number): void {
  room(w, 4);
  const pos = w.pos - 4;
  w.view.setUint32(pos, v >>> 0, true);
  finishTag(w, pos, tag);
}

export function float(w: BackwardWriter, tag: number, v: number): void {
  room(w, 4);
  const pos = w.pos - 4;
  w.view.setFloat32(pos, v, true);
  finishTag(w, pos, tag);
}

export function double(w: BackwardWriter, tag: number, v: number): void {
  room(w, 8);
  const pos = w.pos - 8;
  w.view.setFloat64(pos, v, true);
  finishTag(w, pos, tag);
}

/** A 64-bit integer value as protobufjs takes it: Long (or any {low, high}), number or decimal string. */
export type Int64 = { low: number; high: number } | number | string;

/** Low and high 32 bits (unsigned) of `v`, as protobufjs's LongBits.from gives them; the high half in `hiOut`. */
let hiOut = 0;
function lowBits(v: Int64): number {
  if (typeof v === 'object' && v !== null && !(v instanceof String)) {
    hiOut = v.high >>> 0;
    return v.low >>> 0;
  }
  const bits = LongBits.from(v as number | string);
  hiOut = bits.hi;
  return bits.lo;
}

export function int64(w: BackwardWriter, tag: number, v: Int64): void {
  room(w, 10);
  const lo = lowBits(v);
  finishTag(w, prependVarint64(w.buf, w.pos, lo, hiOut), tag);
}

export function sint64(w: BackwardWriter, tag: number, v: Int64): void {
  room(w, 10);
  const lo = lowBits(v);
  const hi = hiOut;
  const mask = hi >> 31;
  finishTag(w, prependVarint64(w.buf, w.pos, ((lo << 1) ^ mask) >>> 0, (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0), tag);
}

export function fixed64(w: BackwardWriter, tag: number, v: Int64): void {
  room(w, 8);
  const lo = lowBits(v);
  const pos = w.pos - 8;
  w.view.setUint32(pos, lo, true);
  w.view.setUint32(pos + 4, hiOut, true);
  finishTag(w, pos, tag);
}

/** Strings below this many UTF-16 units go through protobufjs's own UTF-8 writer, longer ones through Buffer's. */
const BUFFER_STRING_MIN = 40;

export function string(w: BackwardWriter, tag: number, s: string): void {
  const n = s.length;
  if (w.pos < n + 10) w.grow(n + 10);
  const buf = w.buf;
  const at = w.pos - n;
  // Four characters a step (one check for all four). Nothing is committed until `pos` moves, so the UTF-8 path can
  // start over when a character is not ASCII.
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    const d = s.charCodeAt(i + 3);
    if ((a | b | c | d) >= 0x80) {
      utf8String(w, tag, s);
      return;
    }
    buf[at + i] = a;
    buf[at + i + 1] = b;
    buf[at + i + 2] = c;
    buf[at + i + 3] = d;
  }
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      utf8String(w, tag, s);
      return;
    }
    buf[at + i] = c;
  }
  // The common case, a one-byte length and tag, without the varint loops.
  if (n < 0x80 && tag < 0x80) {
    buf[at - 1] = n;
    buf[at - 2] = tag;
    w.pos = at - 2;
  } else finishTag(w, prependVarint(buf, at, n), tag);
}

/**
 * Non-ASCII: the bytes protobufjs's BufferWriter writes. It differs from Buffer on lone surrogates for short strings
 * (its own writer encodes the surrogate's code unit, Buffer writes U+FFFD), so both are kept.
 */
function utf8String(w: BackwardWriter, tag: number, s: string): void {
  const viaBuffer = NodeBuffer !== undefined && s.length >= BUFFER_STRING_MIN;
  const len = viaBuffer ? NodeBuffer.byteLength(s) : utf8.length(s);
  room(w, len);
  const at = w.pos - len;
  if (viaBuffer) (w.buf as WithUtf8Write).utf8Write(s, at);
  else utf8.write(s, w.buf, at);
  finishTag(w, prependVarint(w.buf, at, len), tag);
}

export function bytes(w: BackwardWriter, tag: number, v: Uint8Array | ArrayLike<number> | string): void {
  let value = v;
  if (typeof value === 'string' || value instanceof String) {
    const s = String(value);
    if (NodeBuffer) value = NodeBuffer.from(s, 'base64');
    else {
      const decoded = new Uint8Array(base64.length(s));
      base64.decode(s, decoded, 0);
      value = decoded;
    }
  }
  const len = value.length >>> 0;
  room(w, len);
  const at = w.pos - len;
  if (len) w.buf.set(value as ArrayLike<number>, at);
  finishTag(w, prependVarint(w.buf, at, len), tag);
}

/** Unknown fields kept by the decoder: their bytes as they came, tags included. */
export function raw(w: BackwardWriter, v: Uint8Array): void {
  const len = v.length >>> 0;
  if (!len) return;
  if (w.pos < len) w.grow(len);
  w.pos -= len;
  w.buf.set(v, w.pos);
}

// Packed repeated scalars: the elements last to first, then the payload's length and the tag.

export function packedUint32(w: BackwardWriter, tag: number, a: ArrayLike<number>): void {
  room(w, a.length * 5);
  const buf = w.buf;
  const end = w.pos;
  let pos = end;
  for (let i = a.length - 1; i >= 0; i--) pos = prependVarint(buf, pos, a[i]! >>> 0);
  finishTag(w, prependVarint(buf, pos, end - pos), tag);
}

export function packedInt32(w: BackwardWriter, tag: number, a: ArrayLike<number>): void {
  room(w, a.length * 10);
  const buf = w.buf;
  const end = w.pos;
  let pos = end;
  for (let i = a.length - 1; i >= 0; i--) {
    const v = a[i]! | 0;
    pos = v < 0 ? prependVarint64(buf, pos, v >>> 0, 0xffffffff) : prependVarint(buf, pos, v);
  }
  finishTag(w, prependVarint(buf, pos, end - pos), tag);
}

export function packedSint32(w: BackwardWriter, tag: number, a: ArrayLike<number>): void {
  room(w, a.length * 5);
  const buf = w.buf;
  const end = w.pos;
  let pos = end;
  for (let i = a.length - 1; i >= 0; i--) {
    const v = a[i]!;
    pos = prependVarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
  }
  finishTag(w, prependVarint(buf, pos, end - pos), tag);
}

export function packedInt64(w: BackwardWriter, tag: number, a: ArrayLike<Int64>): void {
  room(w, a.length * 10);
  const buf = w.buf;
  const end = w.pos;
  let pos = end;
  for (let i = a.length - 1; i >= 0; i--) {
    const lo = lowBits(a[i]!);
    pos = prependVarint64(buf, pos, lo, hiOut);
  }
  finishTag(w, prependVarint(buf, pos, end - pos), tag);
}

export function packedSint64(w: BackwardWriter, tag: number, a: ArrayLike<Int64>): void {
  room(w, a.length * 10);
  const buf = w.buf;
  const end = w.pos;
  let pos = end;
  for (let i = a.length - 1; i >= 0; i--) {
    const lo = lowBits(a[i]!);
    const hi = hiOut;
    const mask = hi >> 31;
    pos = prependVarint64(buf, pos, ((lo << 1) ^ mask) >>> 0, (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0);
  }
  finishTag(w, prependVarint(buf, pos, end - pos), tag);
}

export function packedBool(w: BackwardWriter, tag: number, a: ArrayLike<unknown>): void {
  const n = a.length;
  room(w, n);
  const buf = w.buf;
  const at = w.pos - n;
  for (let i = 0; i < n; i++) buf[at + i] = a[i] ? 1 : 0;
  finishTag(w, prependVarint(buf, at, n), tag);
}

export function packedFixed32(w: BackwardWriter, tag: number, a: ArrayLike<number>): void {
  const n = a.length;
  room(w, n * 4);
  const view = w.view;
  const at = w.pos - n * 4;
  for (let i = 0; i < n; i++) view.setUint32(at + i * 4, a[i]! >>> 0, true);
  finishTag(w, prependVarint(w.buf, at, n * 4), tag);
}

export function packedFixed64(w: BackwardWriter, tag: number, a: ArrayLike<Int64>): void {
  const n = a.length;
  room(w, n * 8);
  const view = w.view;
  const at = w.pos - n * 8;
  for (let i = 0; i < n; i++) {
    const lo = lowBits(a[i]!);
    view.setUint32(at + i * 8, lo, true);
    view.setUint32(at + i * 8 + 4, hiOut, true);
  }
  finishTag(w, prependVarint(w.buf, at, n * 8), tag);
}

export function packedFloat(w: BackwardWriter, tag: number, a: ArrayLike<number>): void {
  const n = a.length;
  room(w, n * 4);
  const view = w.view;
  const at = w.pos - n * 4;
  for (let i = 0; i < n; i++) view.setFloat32(at + i * 4, a[i]!, true);
  finishTag(w, prependVarint(w.buf, at, n * 4), tag);
}

export function packedDouble(w: BackwardWriter, tag: number, a: ArrayLike<number>): void {
  const n = a.length;
  room(w, n * 8);
  const view = w.view;
  const at = w.pos - n * 8;
  for (let i = 0; i < n; i++) view.setFloat64(at + i * 8, a[i]!, true);
  finishTag(w, prependVarint(w.buf, at, n * 8), tag);
}
