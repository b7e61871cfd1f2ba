// Reads one level of a checked message: each field's value by slot (strings, numbers, Longs, byte views, arrays,
// map objects), nested messages as new views, which read their own level when first asked. The values are the
// ones protobufjs's generated decoder gives for the same bytes: last value wins for a singular field, a singular
// message seen twice merges, a oneof member clears the others, map keys keep their first position and their last
// value, and fields of the wrong wire type are unknown fields. The bytes were checked by scan.ts, so nothing here
// can run past the end.
import protobuf from 'protobufjs/minimal.js';
import { stringAt } from '../codec/read-string.js';
import {
  BOOL,
  BYTES,
  DOUBLE,
  FIXED32,
  FIXED64,
  FLOAT,
  fieldByNumber,
  INT32,
  INT64,
  type Kind,
  LAX_STRING,
  MAP,
  MESSAGE,
  SFIXED32,
  SFIXED64,
  SINT32,
  SINT64,
  STRING,
  UINT32,
  UINT64,
  type WireField,
  type WireTable,
} from './wire-schema.js';

/** How nested messages become views (view.ts), and the bytes a view reads (to merge a message seen twice). */
export interface Views {
  make(type: WireTable, bytes: Uint8Array, start: number, end: number): object;
  bytesOf(view: object): Uint8Array;
}

type LongCtor = new (low: number, high: number, unsigned: boolean) => unknown;
const Long = protobuf.util.Long as unknown as LongCtor;
const { readFloatLE, readDoubleLE } = protobuf.util.float;
const readLax = protobuf.util.utf8.read;

const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
let pos = 0;
/** High 32 bits of the last 64-bit varint or fixed64 read. */
let high = 0;

/** The values of `type`'s fields in `bytes[start, end)`, by slot; undefined where a field is absent. */
export function readLevel(type: WireTable, bytes: Uint8Array, start: number, end: number, views: Views): unknown[] {
  const values = new Array<unknown>(type.slots);
  buf = bytes;
  pos = start;
  try {
    while (pos < end) {
      const tagStart = pos;
      const tag = readUint32();
      const field = fieldByNumber(type, tag >>> 3);
      if (field === undefined || !readField(type, field, tag & 7, values, views)) {
        skip(tag & 7, end);
        listAt(values, type.slots - 1).push(bytes.subarray(tagStart, pos));
      }
    }
  } finally {
    buf = EMPTY; // not kept alive by this module
  }
  return values;
}

function readField(type: WireTable, field: WireField, wire: number, values: unknown[], views: Views): boolean {
  const kind = field.kind;
  const slot = field.slot;
  if (wire !== field.wire) {
    if (!(field.packable && wire === 2)) return false;
    const stop = lengthEnd();
    const list = listAt(values, slot);
    while (pos < stop) list.push(readScalar(kind));
    return true;
  }
  if (field.oneofSlot >= 0) claimOneof(type, field, values);
  if (kind === MAP) {
    // Only noted here: the map object is built when the field is first read (see readMap).
    pos = lengthEnd();
    values[slot] = MAP_UNREAD;
    return true;
  }
  if (kind === MESSAGE) {
    const stop = lengthEnd();
    const message = field.message as WireTable;
    if (field.repeated) listAt(values, slot).push(views.make(message, buf, pos, stop));
    else values[slot] = merged(message, values[slot], stop, views);
    pos = stop;
    return true;
  }
  const value = readScalar(kind);
  if (field.repeated) listAt(values, slot).push(value);
  else values[slot] = value;
  return true;
}

/** The list in `values[slot]`, made on first use. */
function listAt(values: unknown[], slot: number): unknown[] {
  let list = values[slot] as unknown[] | undefined;
  if (list === undefined) {
    list = [];
    values[slot] = list;
  }
  return list;
}

/** Setting a oneof member clears its siblings, unless it is the member already set (a message member merges). */
function claimOneof(type: WireTable, field: WireField, values: unknown[]): void {
  if (values[field.oneofSlot] === field.name) return;
  for (const other of type.fields) if (other.oneofSlot === field.oneofSlot) values[other.slot] = undefined;
  values[field.oneofSlot] = field.name;
}

/** A singular message field seen again merges into what it held: the concatenation of both encodings. */
function merged(type: WireTable, previous: unknown, stop: number, views: Views): object {
  if (previous === undefined) return views.make(type, buf, pos, stop);
  const before = views.bytesOf(previous as object);
  const joined = new Uint8Array(before.length + (stop - pos));
  joined.set(before, 0);
  joined.set(buf.subarray(pos, stop), before.length);
  return views.make(type, joined, 0, joined.length);
}

/** A map field's value until it is read: its entries are found again in the message's bytes then. */
export const MAP_UNREAD: unique symbol = Symbol('map not read yet');

/**
 * Builds map `field` of the message in `bytes[start, end)`: keys in order of first appearance, the last value of
 * each. Walks the message's fields again (cheap: everything else is skipped by length) rather than keeping where
 * the entries were for every message read.
 */
export function readMap(
  field: WireField,
  bytes: Uint8Array,
  start: number,
  end: number,
  views: Views,
): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  const entryTag = (field.id << 3) | 2;
  buf = bytes;
  pos = start;
  try {
    while (pos < end) {
      const tag = readUint32();
      if (tag === entryTag) readEntry(field, map, lengthEnd(), views);
      else skip(tag & 7, end);
    }
  } finally {
    buf = EMPTY;
  }
  return map;
}

function readEntry(field: WireField, map: Record<string, unknown>, stop: number, views: Views): void {
  const keyField = field.mapKey as WireField;
  const valueField = field.mapValue as WireField;
  let key: unknown = keyField.kind === STRING || keyField.kind === LAX_STRING ? '' : 0;
  let value: unknown;
  while (pos < stop) {
    const tag = readUint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const known = id === 1 ? keyField : id === 2 ? valueField : undefined;
    if (known === undefined || wire !== known.wire) skip(wire, stop);
    else if (known === keyField) key = readScalar(known.kind);
    else if (known.kind === MESSAGE) {
      const inner = lengthEnd();
      value = merged(known.message as WireTable, value, inner, views);
      pos = inner;
    } else value = readScalar(known.kind);
  }
  pos = stop;
  const name = String(key);
  value ??=
    valueField.kind === MESSAGE ? views.make(valueField.message as WireTable, buf, 0, 0) : defaultOf(valueField);
  // A key named __proto__ must become a property, not the object's prototype.
  if (name === '__proto__')
    Object.defineProperty(map, name, { value, writable: true, enumerable: true, configurable: true });
  else map[name] = value;
}

function defaultOf(field: WireField): unknown {
  switch (field.kind) {
    case STRING:
    case LAX_STRING:
      return '';
    case BYTES:
      return new Uint8Array(0);
    case INT64:
    case SINT64:
    case SFIXED64:
      return new Long(0, 0, false);
    case UINT64:
    case FIXED64:
      return new Long(0, 0, true);
    case BOOL:
      return false;
    default:
      return 0;
  }
}

function readScalar(kind: Kind): unknown {
  switch (kind) {
    case INT32:
      return readUint32() | 0;
    case UINT32:
      return readUint32();
    case SINT32: {
      const v = readUint32();
      return ((v >>> 1) ^ -(v & 1)) | 0;
    }
    case BOOL:
      return readBool();
    case INT64:
      return new Long(readVarint64() | 0, high | 0, false);
    case UINT64:
      return new Long(readVarint64() | 0, high | 0, true);
    case SINT64: {
      const lo = readVarint64();
      const mask = -(lo & 1);
      return new Long(((lo >>> 1) | (high << 31)) ^ mask, (high >>> 1) ^ mask, false);
    }
    case FIXED32:
      return readFixed32();
    case SFIXED32:
      return readFixed32() | 0;
    case FLOAT: {
      const v = readFloatLE(buf, pos);
      pos += 4;
      return v;
    }
    case FIXED64:
    case SFIXED64: {
      const lo = readFixed32();
      const hi = readFixed32();
      return new Long(lo | 0, hi | 0, kind === FIXED64);
    }
    case DOUBLE: {
      const v = readDoubleLE(buf, pos);
      pos += 8;
      return v;
    }
    case STRING: {
      const stop = lengthEnd();
      const s = stringAt(buf, pos, stop);
      pos = stop;
      return s;
    }
    case LAX_STRING: {
      const stop = lengthEnd();
      const s = readLax(buf, pos, stop);
      pos = stop;
      return s;
    }
    default: {
      const stop = lengthEnd();
      const bytes = buf.subarray(pos, stop);
      pos = stop;
      return bytes;
    }
  }
}

/** protobufjs's uint32: the low 32 bits of the first five bytes; up to five more bytes are passed over. */
function readUint32(): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const b = buf[pos++] as number;
    value |= (b & 0x7f) << (7 * i);
    if (b < 0x80) return value >>> 0;
  }
  const b = buf[pos++] as number;
  value |= (b & 0x0f) << 28;
  if (b >= 0x80) while ((buf[pos++] as number) >= 0x80);
  return value >>> 0;
}

function readBool(): boolean {
  let value = false;
  let b: number;
  do {
    b = buf[pos++] as number;
    if (b & 0x7f) value = true;
  } while (b >= 0x80);
  return value;
}

/** Returns the low 32 bits; the high 32 are left in `high`. */
function readVarint64(): number {
  let lo = 0;
  let hi = 0;
  let b = 0;
  for (let i = 0; i < 4; i++) {
    b = buf[pos++] as number;
    lo |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      high = 0;
      return lo >>> 0;
    }
  }
  b = buf[pos++] as number;
  lo |= (b & 0x7f) << 28;
  hi = (b & 0x7f) >> 4;
  for (let i = 0; b >= 0x80 && i < 5; i++) {
    b = buf[pos++] as number;
    hi |= (b & 0x7f) << (7 * i + 3);
  }
  high = hi >>> 0;
  return lo >>> 0;
}

function readFixed32(): number {
  const v =
    ((buf[pos] as number) |
      ((buf[pos + 1] as number) << 8) |
      ((buf[pos + 2] as number) << 16) |
      ((buf[pos + 3] as number) << 24)) >>>
    0;
  pos += 4;
  return v;
}

function lengthEnd(): number {
  const length = readUint32();
  return pos + length;
}

function skip(wire: number, end: number): void {
  switch (wire) {
    case 0:
      while ((buf[pos++] as number) >= 0x80);
      return;
    case 1:
      pos += 8;
      return;
    case 5:
      pos += 4;
      return;
    case 2:
      pos = lengthEnd();
      return;
    default: // 3: a group, checked by the scan; walk to its end tag
      for (;;) {
        const tag = readUint32();
        if ((tag & 7) === 4) return;
        skip(tag & 7, end);
      }
  }
}
