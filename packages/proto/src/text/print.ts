// printText: a message in the protobuf text format, byte for byte as Python protobuf 7.x's
// text_format.MessageToString(message) writes it (what tf.io.write_graph(as_text=True), export_meta_graph(as_text=True)
// and the `checkpoint` state file use):
//   - fields in field-number order; unset fields skipped (proto3 scalars equal to zero, except -0.0, count as unset;
//     oneof members and `optional` fields print whenever set); unknown fields are not printed;
//   - `name: value` per scalar, one line per repeated element, `name {` ... `}` for messages, indent 2 per level;
//   - maps: one `name {` block per entry, sorted by key, `key:` and `value` inside (zero scalars omitted);
//   - enums by name (unknown numbers as numbers), bools true/false, numbers as float-format.ts describes;
//   - google.protobuf.Any holding a known type prints expanded: `[type.googleapis.com/tensorflow.X] { ... }`.
import { ProtoError } from '../errors.js';
import { type MessageType, typeNameOf } from '../messages.js';
import type { AnyMessageView, MessageView } from '../view/types.js';
import { isMessageView, toMessage } from '../view/view.js';
import { escapeBytes, escapeString } from './escape.js';
import { formatDouble, formatFloat } from './float-format.js';
import { type TextField, type TextType, textTypeByName } from './schema.js';
import { hashKeyToLong, int64ToBigInt, int64ToString, isDefault, toBytes } from './values.js';

export interface PrintTextOptions {
  /** Keep non-ASCII characters of string fields as they are (Python's default, true) or escape their UTF-8 bytes. */
  asUtf8?: boolean;
}

const MAX_DEPTH = 100;
const utf8 = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;

/** `message` (of the generated class `type`, e.g. tensorflow.GraphDef) in the text format. */
export function printText<T>(
  type: MessageType<T>,
  message: T | AnyMessageView,
  options: PrintTextOptions = {},
): string {
  // The printer asks which fields are set (own properties): a view answers that once made an ordinary object.
  if (isMessageView(message)) message = toMessage(message as MessageView<T>);
  const typeName = typeNameOf(type as MessageType<unknown>);
  const textType = textTypeByName(typeName);
  if (!textType) throw new ProtoError('UNSUPPORTED', `no text format schema for ${typeName}`, { type: typeName });
  if (typeof message !== 'object' || message === null) {
    throw new ProtoError('INVALID_ARGUMENT', `printText expects a ${typeName} message object`, { type: typeName });
  }
  const printer = new Printer(options.asUtf8 ?? true);
  printer.message(message as Record<string, unknown>, textType, 0);
  return printer.finish();
}

const INDENTS: string[] = [];
function indentOf(n: number): string {
  let s = INDENTS[n];
  if (s === undefined) {
    s = ' '.repeat(n);
    INDENTS[n] = s;
  }
  return s;
}

/** Map fields' key descriptions, made once per map field. */
const keyFields = new WeakMap<TextField, TextField>();
function keyFieldOf(field: TextField): TextField {
  let k = keyFields.get(field);
  if (!k) {
    k = {
      ...field,
      name: 'key',
      id: 1,
      kind: field.mapKey as TextField['kind'],
      mapKey: undefined,
      message: undefined,
      enumType: undefined,
    };
    keyFields.set(field, k);
  }
  return k;
}

/** Pieces are joined every CHUNK pieces, so the final join has few, large pieces (one huge join is slow). */
const CHUNK = 4096;

class Printer {
  private readonly chunks: string[] = [];
  private parts: string[] = [];

  constructor(private readonly asUtf8: boolean) {}

  private emit(a: string, b?: string, c?: string, d?: string, e?: string): void {
    const parts = this.parts;
    parts.push(a);
    if (b !== undefined) parts.push(b);
    if (c !== undefined) parts.push(c);
    if (d !== undefined) parts.push(d);
    if (e !== undefined) parts.push(e);
    if (parts.length > CHUNK) {
      this.chunks.push(parts.join(''));
      this.parts = [];
    }
  }

  finish(): string {
    this.chunks.push(this.parts.join(''));
    this.parts = [];
    return this.chunks.join('');
  }

  message(msg: Record<string, unknown>, type: TextType, depth: number): void {
    if (depth > MAX_DEPTH) {
      throw new ProtoError('INVALID_ARGUMENT', `message nested deeper than ${MAX_DEPTH} levels (a cycle?)`, {
        type: type.fullName,
      });
    }
    if (type.isAny && this.anyExpanded(msg, depth)) return;
    const indent = indentOf(depth * 2);
    for (const field of type.fields) {
      const v = msg[field.name];
      if (v === undefined || v === null) continue;
      if (field.mapKey !== undefined) this.map(field, v as Record<string, unknown>, depth, indent);
      else if (field.repeated) {
        const list = v as unknown[];
        for (let i = 0; i < list.length; i++) this.field(field, list[i], depth, indent);
      } else if (field.kind === 'message') this.field(field, v, depth, indent);
      else if (field.explicit ? hasOwn.call(msg, field.name) : !isDefault(field, v))
        this.field(field, v, depth, indent);
    }
  }

  private field(field: TextField, v: unknown, depth: number, indent: string): void {
    if (field.kind === 'message') {
      this.emit(indent, field.name, ' {\n');
      if (v !== null && v !== undefined)
        this.message(v as Record<string, unknown>, field.message as TextType, depth + 1);
      this.emit(indent, '}\n');
    } else this.emit(indent, field.name, ': ', this.scalar(field, v), '\n');
  }

  scalar(field: TextField, v: unknown): string {
    switch (field.kind) {
      case 'string':
        return `"${this.asUtf8 ? escapeString(String(v)) : escapeBytes(utf8.encode(String(v)))}"`;
      case 'bytes':
        return `"${escapeBytes(toBytes(v))}"`;
      case 'enum': {
        const n = Number(v);
        return field.enumType?.byNumber.get(n) ?? String(n);
      }
      case 'bool':
        return v ? 'true' : 'false';
      case 'float':
        return formatFloat(Number(v));
      case 'double':
        return formatDouble(Number(v));
      case 'int64':
      case 'sint64':
      case 'sfixed64':
        return int64ToString(v, false);
      case 'uint64':
      case 'fixed64':
        return int64ToString(v, true);
      default:
        return String(Number(v));
    }
  }

  private map(field: TextField, obj: Record<string, unknown>, depth: number, indent: string): void {
    const keys = Object.keys(obj);
    if (keys.length === 0) return;
    const keyKind = field.mapKey as TextField['kind'];
    sortKeys(keys, keyKind);
    const inner = indentOf(depth * 2 + 2);
    const keyField = keyFieldOf(field);
    const open = `${indent}${field.name} {\n`;
    const close = `${indent}}\n`;
    for (const key of keys) {
      this.emit(open);
      const k = mapKeyValue(key, keyKind);
      if (field.explicit || !isDefault(keyField, k)) this.emit(inner, 'key: ', this.scalar(keyField, k), '\n');
      const v = obj[key];
      if (field.kind === 'message') {
        this.emit(inner, 'value {\n');
        if (v !== null && v !== undefined)
          this.message(v as Record<string, unknown>, field.message as TextType, depth + 2);
        this.emit(inner, '}\n');
      } else if (v !== null && v !== undefined && (field.explicit || !isDefault(field, v))) {
        this.emit(inner, 'value: ', this.scalar(field, v), '\n');
      }
      this.emit(close);
    }
  }

  /** google.protobuf.Any whose type this package knows: `[type_url] { ... }`. False to print it field by field. */
  private anyExpanded(msg: Record<string, unknown>, depth: number): boolean {
    const url = msg.type_url;
    if (typeof url !== 'string' || !url.includes('/')) return false;
    const inner = textTypeByName(url.slice(url.lastIndexOf('/') + 1));
    if (!inner) return false;
    let decoded: Record<string, unknown>;
    try {
      const ctor = inner.ctor as unknown as { decode(b: Uint8Array): Record<string, unknown> };
      decoded = ctor.decode(toBytes(msg.value ?? new Uint8Array(0)));
    } catch {
      return false;
    }
    const indent = indentOf(depth * 2);
    this.emit(indent, '[', url, '] {\n');
    this.message(decoded, inner, depth + 1);
    this.emit(indent, '}\n');
    return true;
  }
}

function mapKeyValue(key: string, kind: TextField['kind']): unknown {
  switch (kind) {
    case 'string':
      return key;
    case 'bool':
      return key === 'true';
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return hashKeyToLong(key, false);
    case 'uint64':
    case 'fixed64':
      return hashKeyToLong(key, true);
    default:
      return Number(key);
  }
}

/** Python's sorted(): numeric for integer keys, code-point order for strings, false before true. */
function sortKeys(keys: string[], kind: TextField['kind']): void {
  switch (kind) {
    case 'string':
      // UTF-16 order is code-point order unless a key holds a surrogate or a character from U+E000 up.
      keys.sort(keys.some((k) => HIGH_CHARS.test(k)) ? compareCodePoints : undefined);
      return;
    case 'bool':
      keys.sort((a, b) => (a === b ? 0 : a === 'false' ? -1 : 1));
      return;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64': {
      const unsigned = kind === 'uint64' || kind === 'fixed64';
      const big = new Map(keys.map((k) => [k, int64ToBigInt(mapKeyValue(k, kind), unsigned)]));
      keys.sort((a, b) => {
        const x = big.get(a) as bigint;
        const y = big.get(b) as bigint;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      return;
    }
    default:
      keys.sort((a, b) => Number(a) - Number(b));
  }
}

const HIGH_CHARS = /[\ud800-\uffff]/;

/** Orders strings by code point (as Python does), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after 0xE000-0xFFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
