// Generates src/gen/encoders.js: one encode function per message type, for encodeMessage. They write through
// src/codec/backward-writer.ts (last field first, so nested lengths need no placeholder) and must write exactly the
// bytes protobufjs's generated `encode` writes for any message it accepts (test/encode-differential.test.ts checks).
//
// What each field kind writes, as protobufjs's encoder (protobufjs/src/encoder.js) decides it:
// - implicit presence (proto3 scalars): written when `!= null` and not the default (`!Object.is(v, 0)` for floats,
//   so -0.0 is written; `.length` for bytes; low/high for a Long). protobufjs also checks hasOwnProperty; the
//   generated classes' prototypes hold exactly the defaults, so skipping it changes nothing for instances or plain
//   objects (test: every class's fresh instance encodes to nothing);
// - explicit presence (proto2, proto3 `optional`, oneof members): written when `!= null` and an own property (a
//   proto2 prototype holds the default, which must not be written);
// - message fields: when `!= null` (the prototypes hold null); maps: every own key (Object.keys), in the order
//   protobufjs writes them, except 32-bit integer keys, descending as TensorFlow writes them (scripts/generate.mjs);
// - repeated: when `.length`; packed as protobufjs packs (proto3 scalars, [packed = true]);
// - `$unknowns` (fields the decoder kept) after the known fields; nesting deeper than util.recursionLimit throws
//   "max depth exceeded".
import protobuf from 'protobufjs';

const { types } = protobuf;

const scalarWriter = {
  double: 'double',
  float: 'float',
  int32: 'int32',
  uint32: 'uint32',
  sint32: 'sint32',
  fixed32: 'fixed32',
  sfixed32: 'fixed32',
  int64: 'int64',
  uint64: 'int64',
  sint64: 'sint64',
  fixed64: 'fixed64',
  sfixed64: 'fixed64',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
};
const packedWriter = {
  double: 'packedDouble',
  float: 'packedFloat',
  int32: 'packedInt32',
  uint32: 'packedUint32',
  sint32: 'packedSint32',
  fixed32: 'packedFixed32',
  sfixed32: 'packedFixed32',
  int64: 'packedInt64',
  uint64: 'packedInt64',
  sint64: 'packedSint64',
  fixed64: 'packedFixed64',
  sfixed64: 'packedFixed64',
  bool: 'packedBool',
};
const intKeys = new Set(['int32', 'uint32', 'sint32']);

const fnName = (type) => `e$${type.fullName.slice(1).replaceAll('.', '$')}`;
const tagOf = (id, wireType) => ((id << 3) | wireType) >>> 0;

function allTypes(ns, out = []) {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type) out.push(child);
    if (child.nestedArray) allTypes(child, out);
  }
  return out;
}

/** The statement writing `value` (an expression) as a field of `type` with number `id`. */
function writeValue(field, type, id, value) {
  if (field.resolvedType instanceof protobuf.Type)
    return `{ e = mark(w); ${fnName(field.resolvedType)}(${value}, w, q + 1); delimited(w, e, ${tagOf(id, 2)}); }`;
  const t = field.resolvedType instanceof protobuf.Enum ? 'int32' : type;
  return `${scalarWriter[t]}(w, ${tagOf(id, types.basic[t])}, ${value});`;
}

/** The condition under which protobufjs writes the singular field (see the top of this file). */
function presence(field, ref) {
  const type = field.resolvedType instanceof protobuf.Enum ? 'int32' : field.type;
  const isMessage = field.resolvedType instanceof protobuf.Type;
  if (field.required) return 'true';
  if (isMessage) return `(v = ${ref}) != null`;
  if (field.hasPresence) return `(v = ${ref}) != null && own.call(m, ${JSON.stringify(field.name)})`;
  if (field.resolvedType instanceof protobuf.Enum) return `(v = ${ref}) != null && v !== ${field.typeDefault}`;
  if (type === 'bool') return `(v = ${ref}) != null && v !== false`;
  if (type === 'string') return `(v = ${ref}) != null && v !== ""`;
  if (type === 'bytes') return `(v = ${ref}) != null && v.length`;
  if (type === 'double' || type === 'float') return `(v = ${ref}) != null && !Object.is(v, 0)`;
  if (types.long[type] !== undefined)
    return `(v = ${ref}) != null && (typeof v === "object" ? v.low || v.high : v !== 0)`;
  return `(v = ${ref}) != null && v !== 0`;
}

function mapKeyWrite(field) {
  const k = field.keyType;
  const tag = tagOf(1, types.mapKey[k]);
  if (k === 'bool') return `bool(w, ${tag}, util.boolFromKey(k));`;
  if (types.long[k] !== undefined)
    return `${scalarWriter[k]}(w, ${tag}, util.longFromKey(k, ${k === 'uint64' || k === 'fixed64'}));`;
  return `${scalarWriter[k]}(w, ${tag}, k);`;
}

/** Statements writing one field, for a function that writes the fields last to first. */
function writeField(field) {
  const ref = `m${protobuf.util.safeProp(field.name)}`;
  if (field.delimited) throw new Error(`gen-encoders: group fields are not supported (${field.fullName})`);
  if (field.map) {
    // Entries are written last to first, so the order protobufjs writes (keys as Object.keys lists them) is walked
    // backwards, and TensorFlow's descending order for integer keys forwards.
    const loop = intKeys.has(field.keyType) ? 'i = 0; i < ks.length; ++i' : 'i = ks.length - 1; i >= 0; --i';
    return [
      `if ((v = ${ref}) != null) {`,
      '  ks = Object.keys(v);',
      `  for (${loop}) {`,
      '    k = ks[i];',
      '    d = mark(w);',
      `    ${writeValue(field, field.type, 2, 'v[k]')}`,
      `    ${mapKeyWrite(field)}`,
      `    delimited(w, d, ${tagOf(field.id, 2)});`,
      '  }',
      '}',
    ];
  }
  if (field.repeated) {
    const type = field.resolvedType instanceof protobuf.Enum ? 'int32' : field.type;
    if (field.packed && types.packed[type] !== undefined)
      return [`if ((a = ${ref}) != null && a.length) ${packedWriter[type]}(w, ${tagOf(field.id, 2)}, a);`];
    return [
      `if ((a = ${ref}) != null && a.length)`,
      `  for (i = a.length - 1; i >= 0; --i) ${writeValue(field, field.type, field.id, 'a[i]')}`,
    ];
  }
  return [`if (${presence(field, ref)}) ${writeValue(field, field.type, field.id, 'v')}`];
}

function encoderFunction(type) {
  const fields = type.fieldsArray
    .slice()
    .map((f) => f.resolve())
    .sort((a, b) => b.id - a.id);
  const body = fields.flatMap(writeField);
  return [
    `/** ${type.fullName.slice(1)} */`,
    `function ${fnName(type)}(m, w, q) {`,
    '  if (q > util.recursionLimit) throw Error("max depth exceeded");',
    '  var v, a, e, d, i, k, ks;',
    '  if ((a = m.$unknowns) != null && own.call(m, "$unknowns")) for (i = a.length - 1; i >= 0; --i) raw(w, a[i]);',
    ...body.map((line) => `  ${line}`),
    '}',
  ].join('\n');
}

/** The module's source: the encoders and a Map from each generated class to its encoder. */
export function generateEncoders(root) {
  root.resolveAll();
  const all = allTypes(root).filter((t) => !t.group);
  const spaces = root.nestedArray.map((ns) => ns.name);
  const classPath = (t) => t.fullName.slice(1);
  return [
    '// Generated by scripts/gen-encoders.mjs: do not edit.',
    '/* eslint-disable */',
    'import $protobuf from "protobufjs/minimal.js";',
    `import { ${spaces.join(', ')} } from "./messages.js";`,
    'import {',
    '  bool, bytes, delimited, mark, double, fixed32, fixed64, float, int32, int64, packedBool, packedDouble, packedFixed32,',
    '  packedFixed64, packedFloat, packedInt32, packedInt64, packedSint32, packedSint64, packedUint32, raw, sint32,',
    '  sint64, string, uint32,',
    '} from "../codec/backward-writer.js";',
    '',
    'const util = $protobuf.util;',
    'const own = Object.prototype.hasOwnProperty;',
    '',
    ...all.map(encoderFunction),
    '',
    '/** Each generated message class -> its encoder. */',
    'export const encoders = new Map([',
    ...all.map((t) => `  [${classPath(t)}, ${fnName(t)}],`),
    ']);',
    '',
  ].join('\n');
}

export const encodersDts = `// Generated by scripts/gen-encoders.mjs: do not edit.
import type { BackwardWriter } from "../codec/backward-writer.js";
/** Writes \`message\` into \`writer\` (last field first); \`depth\` is its nesting depth (0 at the top). */
export type Encoder = (message: unknown, writer: BackwardWriter, depth: number) => void;
/** Each generated message class -> its encoder. */
export declare const encoders: ReadonlyMap<unknown, Encoder>;
`;
