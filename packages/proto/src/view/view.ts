// Decode views: a checked, read-only window on a message's bytes that builds each nested object only when it is read.
// Python's protobuf (upb) works this way: parsing checks everything and keeps the bytes; objects appear on access.
// A view's getters return what decodeMessage's object holds for the same bytes; a view is never mutated, so encoding
// one gives back its bytes, and toMessage() turns one into the ordinary generated object.
import { ProtoError } from '../errors.js';
import { type DecodeOptions, decodeMessage, type MessageType, typeNameOf } from '../messages.js';
import { MAP_UNREAD, readLevel, readMap, type Views } from './materialize.js';
import { scanMessage, WireFault } from './scan.js';
import type { AnyMessageView, MessageView, ViewOf } from './types.js';
import { MAP, type WireTable, wireTableByName } from './wire-schema.js';

// A view's own state, under symbols: Object.keys, for...in and JSON see no field of it (the fields are getters).
const BYTES = Symbol('bytes');
const START = Symbol('start');
const END = Symbol('end');
const VALUES = Symbol('values');

/** State every view class shares; the per-type getters read [VALUES], filled on the first read. */
class ViewBase {
  readonly [BYTES]: Uint8Array;
  readonly [START]: number;
  readonly [END]: number;
  [VALUES]: unknown[] | undefined = undefined;
  constructor(bytes: Uint8Array, start: number, end: number) {
    this[BYTES] = bytes;
    this[START] = start;
    this[END] = end;
  }
}

interface ViewClass {
  new (buf: Uint8Array, start: number, end: number): ViewBase;
}

const typeOfClass = new WeakMap<object, WireTable>();

function makeView(type: WireTable, buf: Uint8Array, start: number, end: number): ViewBase {
  return new ((type.viewClass as ViewClass | undefined) ?? classOf(type))(buf, start, end);
}

const views: Views = { make: makeView, bytesOf: (view) => bytesOf(view as ViewBase) };

function valuesOf(view: ViewBase, type: WireTable): unknown[] {
  const values = readLevel(type, view[BYTES], view[START], view[END], views);
  view[VALUES] = values;
  return values;
}

/** One class per message type, with a getter per field (and per oneof), so reads stay monomorphic. */
function classOf(type: WireTable): ViewClass {
  const ViewOfType = class extends ViewBase {};
  Object.defineProperty(ViewOfType, 'name', { value: `${type.fullName}View` });
  const proto = ViewOfType.prototype as unknown as Record<string, unknown>;
  const defaults = type.ctor.prototype as Record<string, unknown>;
  for (const field of type.fields) {
    const slot = field.slot;
    // Absent fields read as protobufjs's prototype defaults: '', 0, a zero Long, null, a frozen empty list or map.
    const fallback = defaults[field.name];
    const get =
      field.kind === MAP
        ? function (this: ViewBase) {
            const values = this[VALUES] ?? valuesOf(this, type);
            const value = values[slot];
            if (value !== MAP_UNREAD) return value === undefined ? fallback : value;
            const map = readMap(field, this[BYTES], this[START], this[END], views);
            values[slot] = map;
            return map;
          }
        : function (this: ViewBase) {
            const value = (this[VALUES] ?? valuesOf(this, type))[slot];
            return value === undefined ? fallback : value;
          };
    Object.defineProperty(proto, field.name, { get, enumerable: true });
  }
  for (const oneof of type.oneofs) {
    Object.defineProperty(proto, oneof.name, {
      get(this: ViewBase) {
        return (this[VALUES] ?? valuesOf(this, type))[oneof.slot];
      },
      enumerable: true,
    });
  }
  Object.defineProperty(proto, '$unknowns', {
    get(this: ViewBase) {
      return (this[VALUES] ?? valuesOf(this, type))[type.slots - 1];
    },
  });
  Object.defineProperty(proto, 'toJSON', {
    value(this: ViewBase) {
      return (toMessage(this as unknown as MessageView<{ toJSON(): unknown }>) as { toJSON(): unknown }).toJSON();
    },
  });
  type.viewClass = ViewOfType;
  typeOfClass.set(ViewOfType.prototype, type);
  return ViewOfType;
}

function bytesOf(view: ViewBase): Uint8Array {
  return view[BYTES].subarray(view[START], view[END]);
}

function wireTableOf(type: MessageType<unknown>): WireTable {
  const name = typeNameOf(type);
  const table = wireTableByName(name);
  if (!table) throw new ProtoError('UNSUPPORTED', `no schema for ${name}`, { type: name });
  return table;
}

/**
 * Checks `bytes` as a `type` and returns a read-only view of it: the whole input is checked now (malformed input
 * throws ProtoError with the offset, exactly where decodeMessage would fail), nested objects are built when first read.
 * The view keeps `bytes` and reads from it: do not change them while the view is in use.
 */
export function decodeView<C extends MessageType<unknown>>(
  type: C,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): ViewOf<C> {
  const table = wireTableOf(type);
  // One plain Uint8Array type in the read loops (a Buffer is a subclass: a second shape slows every byte read).
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    scanMessage(table, plain, 0, plain.length);
  } catch (err) {
    if (!(err instanceof WireFault)) throw err;
    throw new ProtoError(err.code, `cannot decode ${table.fullName}: ${err.reason}`, {
      path: options.path,
      offset: err.offset,
      type: table.fullName,
    });
  }
  return makeView(table, plain, 0, plain.length) as unknown as ViewOf<C>;
}

/** True for the views decodeView returns (and the nested views read from them). */
export function isMessageView(value: unknown): value is AnyMessageView {
  return value instanceof ViewBase;
}

/** The encoded bytes a view reads (a window on the input, not a copy). */
export function viewBytes(view: AnyMessageView): Uint8Array {
  return bytesOf(view as unknown as ViewBase);
}

/** The full name of a view's message type, e.g. `tensorflow.NodeDef`. */
export function viewTypeName(view: AnyMessageView): string {
  return (typeOfClass.get(Object.getPrototypeOf(view)) as WireTable).fullName;
}

/** The ordinary generated object (as decodeMessage gives) for a view: every field decoded, mutable, independent. */
export function toMessage<T>(view: MessageView<T>): T {
  const type = typeOfClass.get(Object.getPrototypeOf(view)) as WireTable;
  return decodeMessage(type.ctor as unknown as MessageType<T>, viewBytes(view)) as T;
}
