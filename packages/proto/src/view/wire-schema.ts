// Wire tables for decode views: per message type, what each field number holds on the wire, built once from the text
// format's field tables (src/text/schema.ts, which come from the same descriptors as the generated classes).
import { type ScalarKind, type TextField, type TextType, textTypeByName } from '../text/schema.js';

/**
 * How a field's value is read: small integers (plain constants, not an enum, so the hot loops compare literals).
 * Varint kinds first, then 32-bit, then 64-bit, then length-delimited ones.
 */
export const INT32 = 1; // int32 and enums
export const UINT32 = 2;
export const SINT32 = 3;
export const BOOL = 4;
export const INT64 = 5;
export const UINT64 = 6;
export const SINT64 = 7;
export const FIXED32 = 8;
export const SFIXED32 = 9;
export const FLOAT = 10;
export const FIXED64 = 11;
export const SFIXED64 = 12;
export const DOUBLE = 13;
/** proto3 string: UTF-8 checked. */
export const STRING = 14;
/** proto2 string: read as it is. */
export const LAX_STRING = 15;
export const BYTES = 16;
export const MESSAGE = 17;
export const MAP = 18;
export type Kind = number;

/** The wire type a kind is written with (packed repeated numbers come as 2 as well). */
export function wireTypeOf(kind: Kind): number {
  if (kind <= SINT64) return 0;
  if (kind <= FLOAT) return 5;
  if (kind <= DOUBLE) return 1;
  return 2;
}

export interface WireField {
  readonly name: string;
  readonly id: number;
  readonly kind: Kind;
  /** The wire type the kind is written with. */
  readonly wire: number;
  readonly repeated: boolean;
  /** Repeated numbers: also accepted packed (wire type 2). */
  readonly packable: boolean;
  /** Index of the field's value in a materialized view. */
  readonly slot: number;
  /** Index of its oneof's "which member" value, or -1. */
  readonly oneofSlot: number;
  /** Message fields and map values that are messages. */
  message: WireTable | undefined;
  /** Maps: the entry's key and value. */
  readonly mapKey: WireField | undefined;
  readonly mapValue: WireField | undefined;
}

export interface WireTable {
  readonly fullName: string;
  readonly fields: readonly WireField[];
  /** Field by number, for numbers below DENSE; larger numbers are in `sparse`. */
  readonly dense: readonly (WireField | undefined)[];
  readonly sparse: ReadonlyMap<number, WireField>;
  /** Oneof names, each with the slot that records which member is set. */
  readonly oneofs: readonly { name: string; slot: number }[];
  /** Slots in a materialized view: fields, then oneofs, then unknown fields. */
  readonly slots: number;
  readonly ctor: new () => Record<string, unknown>;
  /** The view class of this type, made by view.ts on first use. */
  viewClass: (new (buf: Uint8Array, start: number, end: number) => object) | undefined;
}

const DENSE = 64;

const SCALAR_KINDS: Record<ScalarKind, Kind> = {
  int32: INT32,
  uint32: UINT32,
  sint32: SINT32,
  bool: BOOL,
  int64: INT64,
  uint64: UINT64,
  sint64: SINT64,
  fixed32: FIXED32,
  sfixed32: SFIXED32,
  float: FLOAT,
  fixed64: FIXED64,
  sfixed64: SFIXED64,
  double: DOUBLE,
  string: STRING,
  bytes: BYTES,
};

function kindOf(kind: TextField['kind'], checksUtf8: boolean): Kind {
  if (kind === 'message') return MESSAGE;
  if (kind === 'enum') return INT32;
  const k = SCALAR_KINDS[kind];
  return k === STRING && !checksUtf8 ? LAX_STRING : k;
}

const built = new Map<string, WireTable>();

/** The wire table of a message type by full name (`tensorflow.GraphDef`), or undefined when the schema lacks it. */
export function wireTableByName(fullName: string): WireTable | undefined {
  const cached = built.get(fullName);
  if (cached) return cached;
  const text = textTypeByName(fullName);
  return text && build(text);
}

function build(text: TextType): WireTable {
  const fields: WireField[] = [];
  const oneofNames = [...new Set(text.fields.flatMap((f) => (f.oneof === undefined ? [] : [f.oneof])))];
  const oneofs = oneofNames.map((name, i) => ({ name, slot: text.fields.length + i }));
  const dense: (WireField | undefined)[] = new Array<WireField | undefined>(DENSE).fill(undefined);
  const sparse = new Map<number, WireField>();
  const type: WireTable = {
    fullName: text.fullName,
    fields,
    dense,
    sparse,
    oneofs,
    slots: text.fields.length + oneofs.length + 1,
    ctor: text.ctor,
    viewClass: undefined,
  };
  // Registered before its fields resolve, so recursive types (a message holding itself) end.
  built.set(text.fullName, type);
  const pending: [WireField, TextType][] = [];
  text.fields.forEach((f, slot) => {
    const oneof = oneofs.find((o) => o.name === f.oneof);
    const valueKind = kindOf(f.kind, text.checksUtf8);
    const isMap = f.mapKey !== undefined;
    const field: WireField = {
      name: f.name,
      id: f.id,
      kind: isMap ? MAP : valueKind,
      wire: isMap ? 2 : wireTypeOf(valueKind),
      repeated: f.repeated,
      packable: f.repeated && !isMap && valueKind <= DOUBLE,
      slot,
      oneofSlot: oneof ? oneof.slot : -1,
      message: undefined,
      mapKey: isMap ? entryField('key', 1, kindOf(f.mapKey as ScalarKind, text.checksUtf8)) : undefined,
      mapValue: isMap ? entryField('value', 2, valueKind) : undefined,
    };
    if (f.message) pending.push([field, f.message]);
    fields.push(field);
    if (f.id < DENSE) dense[f.id] = field;
    else sparse.set(f.id, field);
  });
  for (const [field, message] of pending) {
    const resolved = wireTableByName(message.fullName) ?? build(message);
    if (field.mapValue) field.mapValue.message = resolved;
    else field.message = resolved;
  }
  return type;
}

function entryField(name: string, id: number, kind: Kind): WireField {
  return {
    name,
    id,
    kind,
    wire: wireTypeOf(kind),
    repeated: false,
    packable: false,
    slot: id - 1,
    oneofSlot: -1,
    message: undefined,
    mapKey: undefined,
    mapValue: undefined,
  };
}

/** The field with number `id`, or undefined (an unknown field). */
export function fieldByNumber(type: WireTable, id: number): WireField | undefined {
  return id < DENSE ? type.dense[id] : type.sparse.get(id);
}
