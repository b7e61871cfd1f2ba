// parseText: the protobuf text format into a message of the generated class, accepting what Python protobuf's
// text_format.Merge accepts (what TensorFlow reads .pbtxt and `checkpoint` files with):
//   field: value | field { ... } | field: { ... } | field < ... >   in any order, optionally followed by `,` or `;`
//   repeated fields one value per occurrence or as a list `field: [a, b]` (`field [{...}, {...}]` for messages)
//   map fields as entries `attr { key: "T" value { type: DT_FLOAT } }`
//   google.protobuf.Any expanded: `[type.googleapis.com/tensorflow.SaverDef] { ... }`
//   a singular field given twice: the last scalar wins, messages merge; a oneof member clears its siblings.
// Literals: see numbers.ts and escape.ts; adjacent string literals concatenate. Errors are ProtoError TEXT_SYNTAX
// (grammar) or TEXT_FIELD (unknown field or enum name, value of the wrong kind or out of range), with the 1-based line
// and column of the offending token.

import { ProtoError } from '../errors.js';
import { quoteInput } from '../message-text.js';
import { type MessageOf, type MessageType, typeNameOf } from '../messages.js';
import { EscapeError, unescapeLiteral } from './escape.js';
import { parseBool, parseFloatText, parseInteger } from './numbers.js';
import { type TextField, type TextType, textTypeByName } from './schema.js';
import { lineAndColumn, Tokenizer, TokenKind } from './tokenizer.js';
import { hashKeyToLong, isDefault, Long, longToHashKey } from './values.js';

export interface ParseTextOptions {
  /** File name for error messages. */
  path?: string;
}

/** Deepest message nesting accepted (protoc's default recursion limit). */
const MAX_DEPTH = 100;
const hasOwn = Object.prototype.hasOwnProperty;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

enum Ch {
  OpenBrace = 123,
  CloseBrace = 125,
  Less = 60,
  Greater = 62,
  OpenBracket = 91,
  CloseBracket = 93,
  Colon = 58,
  Comma = 44,
  Semicolon = 59,
  Slash = 47,
}

/** Parses `text` as a message of the generated class `type` (e.g. tensorflow.GraphDef). */
export function parseText<C extends MessageType<unknown>>(
  type: C,
  text: string,
  options: ParseTextOptions = {},
): MessageOf<C> {
  const typeName = typeNameOf(type);
  const textType = textTypeByName(typeName);
  if (!textType) throw new ProtoError('UNSUPPORTED', `no text format schema for ${typeName}`, { type: typeName });
  if (typeof text !== 'string') {
    throw new ProtoError('INVALID_ARGUMENT', 'parseText expects a string', { path: options.path, type: typeName });
  }
  const parser = new Parser(text, options.path, typeName);
  const message = new textType.ctor();
  parser.message(message, textType, 0, 0);
  return message as MessageOf<C>;
}

type Msg = Record<string, unknown>;

/** Map entries parse as a two-field message (key = 1, value = 2) into a plain object. */
const entryTypes = new WeakMap<TextField, TextType>();
function entryType(field: TextField): TextType {
  let t = entryTypes.get(field);
  if (!t) {
    const key: TextField = {
      name: 'key',
      id: 1,
      kind: field.mapKey as TextField['kind'],
      repeated: false,
      mapKey: undefined,
      explicit: false,
      oneofSiblings: undefined,
      oneof: undefined,
      message: undefined,
      enumType: undefined,
    };
    const value: TextField = {
      ...field,
      name: 'value',
      id: 2,
      repeated: false,
      mapKey: undefined,
      oneofSiblings: undefined,
      oneof: undefined,
    };
    t = {
      fullName: `${field.name} entry`,
      fields: [key, value],
      byName: new Map([
        ['key', key],
        ['value', value],
      ]),
      ctor: Object as unknown as new () => Msg,
      isAny: false,
      checksUtf8: true,
    };
    entryTypes.set(field, t);
  }
  return t;
}

class Parser {
  private readonly tok: Tokenizer;

  constructor(
    private readonly text: string,
    private readonly path: string | undefined,
    private readonly rootType: string,
  ) {
    this.tok = new Tokenizer(text);
  }

  private error(code: 'TEXT_SYNTAX' | 'TEXT_FIELD', message: string, offset = this.tok.start): ProtoError {
    const { line, column } = lineAndColumn(this.text, offset);
    return new ProtoError(code, message, { path: this.path, line, column, type: this.rootType });
  }

  private describe(): string {
    return this.tok.kind === TokenKind.End ? 'end of input' : quoteInput(this.tok.token);
  }

  private expect(c: number): void {
    if (!this.tok.tryConsume(c)) {
      throw this.error('TEXT_SYNTAX', `Expected "${String.fromCharCode(c)}", got ${this.describe()}.`);
    }
  }

  /** Fields until `end` (a closing character, or 0 for the end of the text). */
  message(msg: Msg, type: TextType, end: number, depth: number): void {
    if (depth > MAX_DEPTH) throw this.error('TEXT_SYNTAX', `Message too deep: more than ${MAX_DEPTH} levels.`);
    const tok = this.tok;
    for (;;) {
      if (end !== 0 && tok.tryConsume(end)) break;
      if (tok.kind === TokenKind.End) {
        if (end === 0) break;
        throw this.error(
          'TEXT_SYNTAX',
          `Expected "${String.fromCharCode(end)}" before the end of input.`,
          tok.prevStart,
        );
      }
      this.field(msg, type, depth);
    }
    for (const field of orderedMapsOf(type)) {
      const map = msg[field.name];
      if (map !== null && typeof map === 'object') toWireOrder(map as Msg, field.mapKey as TextField['kind']);
    }
  }

  private field(msg: Msg, type: TextType, depth: number): void {
    const tok = this.tok;
    if (tok.is(Ch.OpenBracket)) {
      if (type.isAny) {
        this.anyExpansion(msg, depth);
        return;
      }
      // Python reads the whole `[a.b.c` name first and reports at its last part.
      tok.next();
      while (tok.kind === TokenKind.Identifier || tok.is(46 /* . */)) tok.next();
      throw this.error('TEXT_FIELD', `Message type "${type.fullName}" does not have extensions.`, tok.prevStart);
    }
    if (!this.isName()) throw this.error('TEXT_SYNTAX', `Expected identifier or number, got ${this.describe()}.`);
    const nameAt = tok.start;
    const name = tok.token;
    const field = type.byName.get(name);
    if (!field)
      throw this.error('TEXT_FIELD', `Message type "${type.fullName}" has no field named ${quoteInput(name)}.`, nameAt);
    tok.next();
    if (field.oneofSiblings) for (const other of field.oneofSiblings) if (hasOwn.call(msg, other)) delete msg[other];
    if (field.kind === 'message' || field.mapKey !== undefined) tok.tryConsume(Ch.Colon);
    else this.expect(Ch.Colon);
    if (field.repeated && tok.tryConsume(Ch.OpenBracket)) {
      if (!tok.tryConsume(Ch.CloseBracket)) {
        for (;;) {
          this.value(msg, field, depth);
          if (tok.tryConsume(Ch.CloseBracket)) break;
          this.expect(Ch.Comma);
        }
      }
    } else this.value(msg, field, depth);
    if (!tok.tryConsume(Ch.Comma)) tok.tryConsume(Ch.Semicolon);
  }

  /** Python accepts any token starting with a word character as a field name (then looks it up). */
  private isName(): boolean {
    const tok = this.tok;
    if (tok.kind === TokenKind.Identifier) return true;
    if (tok.kind === TokenKind.Number) return /^\w/.test(tok.token);
    return tok.kind === TokenKind.Symbol && /^[\p{L}\p{N}_]/u.test(this.text.slice(tok.start, tok.start + 2));
  }

  private value(msg: Msg, field: TextField, depth: number): void {
    if (field.kind !== 'message' && field.mapKey === undefined) {
      const v = this.scalar(field);
      if (field.repeated) push(msg, field.name, v);
      // An implicit-presence (proto3) field set to its default is unset, as decode leaves it: encode skips it.
      else if (!field.explicit && isDefault(field, v)) delete msg[field.name];
      else msg[field.name] = v;
      return;
    }
    const tok = this.tok;
    let end: number;
    if (tok.tryConsume(Ch.Less)) end = Ch.Greater;
    else if (tok.tryConsume(Ch.OpenBrace)) end = Ch.CloseBrace;
    else throw this.error('TEXT_SYNTAX', `Expected "{" or "<", got ${this.describe()}.`);
    if (field.mapKey !== undefined) {
      const entry: Msg = {};
      this.message(entry, entryType(field), end, depth + 1);
      this.setMapEntry(msg, field, entry);
      return;
    }
    const sub = field.message as TextType;
    if (field.repeated) {
      const child = new sub.ctor();
      this.message(child, sub, end, depth + 1);
      push(msg, field.name, child);
      return;
    }
    let child = hasOwn.call(msg, field.name) ? (msg[field.name] as Msg | null) : null;
    if (child === null || typeof child !== 'object') {
      child = new sub.ctor();
      msg[field.name] = child;
    }
    this.message(child, sub, end, depth + 1);
  }

  private setMapEntry(msg: Msg, field: TextField, entry: Msg): void {
    let map = hasOwn.call(msg, field.name) ? (msg[field.name] as Msg | null) : null;
    if (map === null || typeof map !== 'object') {
      map = {};
      msg[field.name] = map;
    }
    const key = mapKeyString(field.mapKey as TextField['kind'], entry.key);
    let value = entry.value;
    if (value === undefined)
      value = field.kind === 'message' ? new (field.message as TextType).ctor() : defaultOf(field);
    if (key === '__proto__')
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    else map[key] = value;
  }

  private scalar(field: TextField): unknown {
    const tok = this.tok;
    switch (field.kind) {
      case 'string':
      case 'bytes':
        return this.stringValue(field.kind === 'string');
      case 'enum':
        return this.enumValue(field);
      case 'bool': {
        const v = parseBool(tok.token);
        if (v === undefined) throw this.error('TEXT_FIELD', `Expected "true" or "false", got ${this.describe()}.`);
        tok.next();
        return v;
      }
      case 'float':
      case 'double': {
        const v =
          tok.kind === TokenKind.Identifier || tok.kind === TokenKind.Number ? parseFloatText(tok.token) : undefined;
        if (v === 'octal') throw this.error('TEXT_FIELD', `Invalid octal float: ${quoteInput(tok.token)}.`);
        if (v === undefined) throw this.error('TEXT_FIELD', `Couldn't parse float: ${this.describe()}.`);
        tok.next();
        return field.kind === 'float' ? Math.fround(v) : v;
      }
      default:
        return this.integerValue(field.kind);
    }
  }

  private integerValue(kind: TextField['kind']): unknown {
    const tok = this.tok;
    const v =
      tok.kind === TokenKind.Number || tok.kind === TokenKind.Identifier ? parseInteger(tok.token, true) : undefined;
    if (v === undefined) throw this.error('TEXT_FIELD', `Couldn't parse integer: ${this.describe()}.`);
    const big = typeof v === 'bigint' ? v : undefined;
    const n = big ?? BigInt(v);
    let result: unknown;
    switch (kind) {
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        if (n < -0x80000000n || n > 0x7fffffffn)
          throw this.error('TEXT_FIELD', `Value out of range: ${quoteInput(String(n))}.`);
        result = Number(n);
        break;
      case 'uint32':
      case 'fixed32':
        if (n < 0n || n > 0xffffffffn) throw this.error('TEXT_FIELD', `Value out of range: ${quoteInput(String(n))}.`);
        result = Number(n);
        break;
      case 'uint64':
      case 'fixed64':
        if (n < 0n || n > 0xffffffffffffffffn)
          throw this.error('TEXT_FIELD', `Value out of range: ${quoteInput(String(n))}.`);
        result = typeof v === 'number' ? Long.fromNumber(v, true) : Long.fromString(n.toString(), true);
        break;
      default: // int64, sint64, sfixed64
        if (n < -0x8000000000000000n || n > 0x7fffffffffffffffn)
          throw this.error('TEXT_FIELD', `Value out of range: ${quoteInput(String(n))}.`);
        result = typeof v === 'number' ? Long.fromNumber(v, false) : Long.fromString(n.toString(), false);
    }
    tok.next();
    return result;
  }

  private enumValue(field: TextField): number {
    const tok = this.tok;
    const e = field.enumType;
    if (!e) throw this.error('TEXT_FIELD', `enum field ${field.name} has no enum type`);
    const text = tok.token;
    const num =
      tok.kind === TokenKind.Number || tok.kind === TokenKind.Identifier ? parseInteger(text, false) : undefined;
    let value: number | undefined;
    if (num !== undefined) {
      const n = BigInt(num);
      if (n < -0x80000000n || n > 0x7fffffffn)
        throw this.error('TEXT_FIELD', `Value out of range: ${quoteInput(String(n))}.`);
      value = Number(n);
      if (e.closed && !e.byNumber.has(value)) {
        throw this.error('TEXT_FIELD', `Enum type "${e.fullName}" has no value with number ${value}.`);
      }
    } else {
      value = tok.kind === TokenKind.Identifier ? e.byName.get(text) : undefined;
      if (value === undefined)
        throw this.error('TEXT_FIELD', `Enum type "${e.fullName}" has no value named ${quoteInput(text)}.`);
    }
    tok.next();
    return value;
  }

  /** One or more adjacent string literals; a string field's bytes must be UTF-8. */
  private stringValue(isString: boolean): string | Uint8Array {
    const tok = this.tok;
    const text = this.text;
    if (tok.kind !== TokenKind.String) throw this.error('TEXT_FIELD', `Expected string but found ${this.describe()}.`);
    const chunks: Uint8Array[] = [];
    let single: string | undefined;
    let count = 0;
    while (tok.kind === TokenKind.String) {
      if (!tok.closed) throw this.error('TEXT_SYNTAX', `String missing ending quote: ${quoteInput(tok.token)}`);
      const from = tok.start + 1;
      const to = tok.end - 1;
      if (!tok.escaped && count === 0 && isString) single = text.slice(from, to);
      else {
        if (single !== undefined) {
          chunks.push(utf8.encode(single));
          single = undefined;
        }
        try {
          chunks.push(tok.escaped ? unescapeLiteral(text, from, to) : utf8.encode(text.slice(from, to)));
        } catch (err) {
          if (err instanceof EscapeError) throw this.error('TEXT_SYNTAX', `Invalid escape: ${err.message}.`);
          throw err;
        }
      }
      count++;
      tok.next();
    }
    if (single !== undefined) return single;
    const bytes = concat(chunks);
    if (!isString) return bytes;
    try {
      return utf8Strict.decode(bytes);
    } catch {
      throw this.error('TEXT_FIELD', "Couldn't parse string: the bytes are not valid UTF-8.");
    }
  }

  /** `[prefix/full.type.Name] { ... }` inside a google.protobuf.Any: packs the message into type_url and value. */
  private anyExpansion(msg: Msg, depth: number): void {
    const tok = this.tok;
    tok.next(); // '['
    let url = '';
    let lastSlash = -1;
    for (;;) {
      if (tok.kind === TokenKind.Symbol && tok.is(Ch.Slash)) {
        lastSlash = url.length;
        url += '/';
        tok.next();
      } else if (tok.kind !== TokenKind.End && /^[0-9a-zA-Z\-.~_ !$&()*+,;=%]+$/.test(tok.token)) {
        url += tok.token;
        tok.next();
      } else {
        this.expect(Ch.CloseBracket);
        break;
      }
    }
    // Like Python, URL errors point at the token after the closing bracket.
    if (lastSlash < 0) throw this.error('TEXT_SYNTAX', 'Type URL does not contain "/".');
    const prefix = url.slice(0, lastSlash);
    const name = url.slice(lastSlash + 1);
    if (!prefix) throw this.error('TEXT_SYNTAX', 'Type URL prefix is empty.');
    if (prefix.startsWith('/')) throw this.error('TEXT_SYNTAX', 'Type URL prefix starts with "/".');
    if (/%(?![0-9a-fA-F]{2})/.test(prefix)) throw this.error('TEXT_SYNTAX', 'Invalid percent escape in the type URL.');
    if (!/^[^\d\W]\w*(\.[^\d\W]\w*)*$/.test(name))
      throw this.error('TEXT_SYNTAX', `Expected type name, got ${quoteInput(name)}.`);
    const nameAt = tok.start;
    tok.tryConsume(Ch.Colon);
    let end: number;
    if (tok.tryConsume(Ch.Less)) end = Ch.Greater;
    else if (tok.tryConsume(Ch.OpenBrace)) end = Ch.CloseBrace;
    else throw this.error('TEXT_SYNTAX', `Expected "{" or "<", got ${this.describe()}.`);
    const inner = textTypeByName(name);
    if (!inner) throw this.error('TEXT_FIELD', `Type ${quoteInput(name)} not found in the schema.`, nameAt);
    const packed = new inner.ctor();
    this.message(packed, inner, end, depth + 1);
    const ctor = inner.ctor as unknown as { encode(m: Msg): { finish(): Uint8Array } };
    msg.type_url = `${prefix}/${name}`;
    msg.value = ctor.encode(packed).finish();
  }
}

/**
 * The map fields of a type whose entry order the parser sets (string and 64-bit keys). JavaScript always lists
 * 32-bit integer keys in ascending order; the encoder writes those in reverse (see scripts/generate.mjs).
 */
const orderedMaps = new WeakMap<TextType, TextField[]>();
function orderedMapsOf(type: TextType): TextField[] {
  let list = orderedMaps.get(type);
  if (!list) {
    list = type.fields.filter((f) => f.mapKey === 'string' || f.mapKey?.endsWith('64') === true);
    orderedMaps.set(type, list);
  }
  return list;
}

/**
 * Re-inserts a map's entries in the order TensorFlow's writer (Python upb, deterministic) puts them on the wire:
 * string keys by code point, except that a key sorts after every longer key it is a prefix of ("aa" before "a");
 * integer keys in descending order. protobufjs encodes in insertion order, so a parsed .pbtxt then encodes to the
 * bytes of TensorFlow's .pb.
 */
function toWireOrder(map: Msg, kind: TextField['kind']): void {
  const keys = Object.keys(map);
  if (keys.length < 2) return;
  let sorted: string[];
  if (kind === 'string') sorted = keys.slice().sort(compareWireKeys);
  else {
    const unsigned = kind === 'uint64' || kind === 'fixed64';
    const value = new Map(keys.map((k) => [k, BigInt(hashKeyToLong(k, unsigned).toString())]));
    sorted = keys.slice().sort((a, b) => {
      const x = value.get(a) as bigint;
      const y = value.get(b) as bigint;
      return x < y ? 1 : x > y ? -1 : 0;
    });
  }
  let i = 0;
  while (i < keys.length && keys[i] === sorted[i]) i++;
  if (i === keys.length) return;
  const values = sorted.map((k) => map[k]);
  for (const k of keys) delete map[k];
  sorted.forEach((k, j) => {
    if (k === '__proto__')
      Object.defineProperty(map, k, { value: values[j], enumerable: true, writable: true, configurable: true });
    else map[k] = values[j];
  });
}

/**
 * The order of string map keys in TensorFlow's deterministic writes (Python upb): by code point, except that a key
 * sorts after every longer key it is a prefix of ("Tidx" before "T"). For code that builds maps to be encoded.
 */
export function compareWireKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      return xs !== ys ? (xs ? 1 : -1) : x - y;
    }
  }
  return b.length - a.length;
}

function push(msg: Msg, name: string, v: unknown): void {
  if (hasOwn.call(msg, name)) {
    const list = msg[name];
    if (Array.isArray(list)) {
      list.push(v);
      return;
    }
  }
  msg[name] = [v];
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function defaultOf(field: TextField): unknown {
  switch (field.kind) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return Long.fromInt(0, false);
    case 'uint64':
    case 'fixed64':
      return Long.fromInt(0, true);
    default:
      return 0;
  }
}

/** The property name protobufjs uses for a map key (64-bit keys as 8-character hash strings). */
function mapKeyString(kind: TextField['kind'], key: unknown): string {
  switch (kind) {
    case 'string':
      return typeof key === 'string' ? key : '';
    case 'bool':
      return key === true ? 'true' : 'false';
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return longToHashKey(key === undefined ? Long.fromInt(0) : (key as ReturnType<typeof Long.fromInt>));
    default:
      return String(key ?? 0);
  }
}
