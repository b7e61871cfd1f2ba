// The check a decode view makes before handing anything out: one pass over the whole message tree that builds no
// objects, and accepts exactly what decodeMessage (protobufjs's generated decoders) accepts, failing with the same
// code (TRUNCATED when the input ends inside something, BAD_WIRE otherwise). After it, reading any field of the view
// cannot fail. Limits as protobufjs: tags and lengths fit 32 bits (a length below 2^31), varints at most 10 bytes
// (an unknown field's varint is skipped whatever its length), nesting at most 100 messages deep.
// Its varint readers are its own, not src/wire/varint.ts's: those return an object per read and enforce the wire
// format's limits, where this loop runs per field and must enforce protobufjs's.
import {
  BYTES,
  fieldByNumber,
  type Kind,
  LAX_STRING,
  MAP,
  MESSAGE,
  STRING,
  type WireField,
  type WireTable,
  wireTypeOf,
} from './wire-schema.js';

const RECURSION_LIMIT = 100;

/** Why and where the bytes are wrong; decodeView turns it into a ProtoError. */
export class WireFault extends Error {
  constructor(
    readonly code: 'TRUNCATED' | 'BAD_WIRE',
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// The input and read position of the scan in progress; scans do not nest, so module state is safe and fast.
const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
let pos = 0;

/** Checks `bytes[start, end)` as a `type`; throws WireFault. */
export function scanMessage(type: WireTable, bytes: Uint8Array, start: number, end: number): void {
  // One plain Uint8Array type in the loops (a Buffer is a subclass: a second shape would slow every byte read).
  buf = bytes;
  pos = start;
  try {
    scan(type, end, 0);
  } finally {
    buf = EMPTY; // not kept alive by this module
  }
}

function truncated(at: number): WireFault {
  return new WireFault('TRUNCATED', 'the input ends inside a field', at);
}

function scan(type: WireTable, end: number, depth: number): void {
  while (pos < end) {
    const tag = readTag(end);
    const wire = tag & 7;
    const id = tag >>> 3;
    const field = fieldByNumber(type, id);
    if (field === undefined || !scanField(field, wire, end, depth)) skipField(wire, id, end, depth);
  }
}

/** Checks one known field's value; false when its wire type does not fit (then it is kept as an unknown field). */
function scanField(field: WireField, wire: number, end: number, depth: number): boolean {
  const kind = field.kind;
  if (wire !== field.wire) {
    if (!(field.packable && wire === 2)) return false;
    scanPacked(kind, end);
    return true;
  }
  switch (kind) {
    case STRING:
      scanUtf8(end);
      return true;
    case LAX_STRING:
    case BYTES:
      pos = lengthEnd(end);
      return true;
    case MESSAGE: {
      // protobufjs's order: the length, then the depth, then whether the length fits.
      const length = readLength(end);
      if (depth + 1 > RECURSION_LIMIT) throw new WireFault('BAD_WIRE', 'messages nested more than 100 deep', pos);
      const inner = pos + length;
      if (inner > end) throw truncated(pos);
      scan(field.message as WireTable, inner, depth + 1);
      return true;
    }
    case MAP:
      scanEntry(field, end, depth);
      return true;
    default:
      scanScalar(kind, end);
      return true;
  }
}

function scanScalar(kind: Kind, end: number): void {
  const wire = wireTypeOf(kind);
  if (wire === 0) skipVarint(end);
  else {
    const size = wire === 5 ? 4 : 8;
    if (pos + size > end) throw truncated(pos);
    pos += size;
  }
}

function scanPacked(kind: Kind, end: number): void {
  const inner = lengthEnd(end);
  const wire = wireTypeOf(kind);
  if (wire === 0) {
    while (pos < inner) skipVarint(inner);
    return;
  }
  const size = wire === 5 ? 4 : 8;
  // protobufjs reads floor(length / size) values, then finds itself short of the end.
  if ((inner - pos) % size !== 0) throw truncated(inner - ((inner - pos) % size));
  pos = inner;
}

function scanEntry(field: WireField, end: number, depth: number): void {
  const inner = lengthEnd(end);
  const key = field.mapKey as WireField;
  const value = field.mapValue as WireField;
  while (pos < inner) {
    const tag = readTag(inner);
    const wire = tag & 7;
    const id = tag >>> 3;
    const known = id === 1 ? key : id === 2 ? value : undefined;
    if (known === undefined || !scanField(known, wire, inner, depth)) skipField(wire, id, inner, depth);
  }
}

function scanUtf8(end: number): void {
  const stop = lengthEnd(end);
  let bits = 0;
  for (let i = pos; i < stop; i++) bits |= buf[i] as number;
  if (bits >= 0x80) {
    try {
      strictUtf8.decode(buf.subarray(pos, stop));
    } catch {
      throw new WireFault('BAD_WIRE', 'a string field is not valid UTF-8', pos);
    }
  }
  pos = stop;
}

/** Skips an unknown field (or a known one of the wrong wire type), as protobufjs's skipType does. */
function skipField(wire: number, id: number, end: number, depth: number): void {
  if (depth > RECURSION_LIMIT) throw new WireFault('BAD_WIRE', 'groups nested more than 100 deep', pos);
  if (id === 0) throw new WireFault('BAD_WIRE', 'field number 0', pos);
  switch (wire) {
    case 0:
      do {
        if (pos >= end) throw truncated(pos);
      } while ((buf[pos++] as number) & 0x80);
      return;
    case 1:
    case 5: {
      const size = wire === 5 ? 4 : 8;
      if (pos + size > end) throw truncated(pos);
      pos += size;
      return;
    }
    case 2:
      pos = lengthEnd(end);
      return;
    case 3:
      for (;;) {
        const tag = readTag(end);
        const nested = tag >>> 3;
        const nestedWire = tag & 7;
        if (nested === 0) throw new WireFault('BAD_WIRE', 'field number 0', pos);
        if (nestedWire === 4) {
          if (nested !== id) throw new WireFault('BAD_WIRE', `group ${id} ended by end-group tag ${nested}`, pos);
          return;
        }
        skipField(nestedWire, nested, end, depth + 1);
      }
    default:
      throw new WireFault('BAD_WIRE', `invalid wire type ${wire}`, pos);
  }
}

/** A value varint: at most 10 bytes. */
function skipVarint(end: number): void {
  const start = pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw truncated(pos);
    if ((buf[pos++] as number) < 0x80) return;
  }
  throw new WireFault('BAD_WIRE', 'a varint longer than 10 bytes', start);
}

/** A tag: a varint of at most 5 bytes whose value fits 32 bits. */
function readTag(end: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= end) throw truncated(pos);
    const b = buf[pos++] as number;
    value |= (b & 0x7f) << (7 * i);
    if (b < 0x80) return value >>> 0;
  }
  if (pos >= end) throw truncated(pos);
  const b = buf[pos++] as number;
  if (b >= 0x10) throw new WireFault('BAD_WIRE', 'a field tag over 32 bits', pos - 1);
  return (value | (b << 28)) >>> 0;
}

/** Reads a length prefix (below 2^31) and returns where the value ends, which must be inside `end`. */
function lengthEnd(end: number): number {
  const length = readLength(end);
  const stop = pos + length;
  if (stop > end) throw truncated(pos);
  return stop;
}

function readLength(end: number): number {
  let length = 0;
  let done = false;
  for (let i = 0; i < 4; i++) {
    if (pos >= end) throw truncated(pos);
    const b = buf[pos++] as number;
    length |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      done = true;
      break;
    }
  }
  if (!done) {
    if (pos >= end) throw truncated(pos);
    const b = buf[pos++] as number;
    if (b > 7) throw new WireFault('BAD_WIRE', 'a length of 2^31 bytes or more', pos - 1);
    length = (length | (b << 28)) >>> 0;
  }
  return length;
}
