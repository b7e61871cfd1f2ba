// encodeMessage writes with its own generated encoders (scripts/gen-encoders.mjs, src/codec/backward-writer.ts). Its
// bytes must equal those of the protobufjs encode it replaced (each generated class's `X.encode`, post-processed by
// scripts/generate.mjs), and those of protobufjs's reflection encoder built from the .proto files (except for
// integer-keyed maps, which we write in TensorFlow's descending order), on every input: TensorFlow's fixtures,
// hand-made edge cases, and seeded random messages given as plain objects and as class instances.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, encodeMessage, tensorboard, tensorflow } from '@tensorgraft/proto';
import Long from 'long';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures.js';
import { allOracleTypes, oracleRoot } from './oracle.js';

type Generated = {
  encode(m: unknown): protobuf.Writer;
  create(p?: object): object;
  decode(b: Uint8Array): object;
};
const namespaces = { tensorflow, tensorboard } as Record<string, unknown>;
function classOf(fullName: string): Generated | undefined {
  return fullName.split('.').reduce<unknown>((ns, part) => (ns as Record<string, unknown> | undefined)?.[part], {
    ...namespaces,
    google: undefined,
  }) as Generated | undefined;
}
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
type Outcome = { bytes: string } | { error: string };
function outcome(fn: () => Uint8Array): Outcome {
  try {
    return { bytes: hex(fn()) };
  } catch (err) {
    return { error: err instanceof Error ? err.constructor.name : 'thrown' };
  }
}

/** Types whose encoding can reach a map with 32-bit integer keys (written in a different order by the oracle). */
const intKeyed = new Set<string>();
{
  const reach = (t: protobuf.Type, seen: Set<protobuf.Type>): boolean => {
    if (seen.has(t)) return false;
    seen.add(t);
    return t.fieldsArray.some((f) => {
      f.resolve();
      if (f instanceof protobuf.MapField && ['int32', 'uint32', 'sint32'].includes(f.keyType)) return true;
      return f.resolvedType instanceof protobuf.Type && reach(f.resolvedType, seen);
    });
  };
  for (const t of allOracleTypes()) if (reach(t, new Set())) intKeyed.add(t.fullName.slice(1));
}

/** Encodes with ours, the generated protobufjs encode and (when comparable) reflection; all must agree. */
function expectAgree(typeName: string, message: unknown): Outcome {
  const cls = classOf(typeName)!;
  const ours = outcome(() => encodeMessage(cls as never, message as never));
  expect(ours, typeName).toEqual(outcome(() => cls.encode(message).finish()));
  if (!intKeyed.has(typeName)) {
    const type = oracleRoot.lookupType(typeName);
    expect(ours, typeName).toEqual(outcome(() => type.encode(message as protobuf.Message).finish()));
  }
  return ours;
}

function tfRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const len = Number(view.getBigUint64(at, true));
    out.push(bytes.subarray(at + 12, at + 12 + len));
    at += 12 + len + 4;
  }
  return out;
}
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('encodeMessage equals protobufjs', () => {
  it("re-encodes every fixture GraphDef, MetaGraphDef and event to TensorFlow's bytes", () => {
    const files = filesUnder(FIXTURES);
    let checked = 0;
    for (const path of files) {
      // a SavedModel directory's saved_model.pb is a SavedModel; its fingerprint.pb (FingerprintDef) is not modelled
      const kind = path.endsWith('/fingerprint.pb')
        ? undefined
        : path.endsWith('/saved_model.pb')
          ? tensorflow.SavedModel
          : path.endsWith('.pb')
            ? tensorflow.GraphDef
            : path.endsWith('.meta')
              ? tensorflow.MetaGraphDef
              : path.includes('tfevents')
                ? tensorflow.Event
                : undefined;
      if (!kind) continue;
      const bytes = new Uint8Array(readFileSync(path));
      const messages = kind === tensorflow.Event ? tfRecords(bytes) : [bytes];
      for (const m of messages) {
        const decoded = decodeMessage(kind as never, m);
        const ours = encodeMessage(kind as never, decoded);
        expect(hex(ours), path).toBe(hex(m));
        expect(hex(ours), path).toBe(hex((kind as unknown as Generated).encode(decoded).finish()));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('encodes a fresh instance and an empty object of every class to nothing', () => {
    let classes = 0;
    for (const t of allOracleTypes()) {
      const cls = classOf(t.fullName.slice(1));
      if (!cls) continue;
      classes++;
      expect(encodeMessage(cls as never, cls.create() as never).length, t.fullName).toBe(0);
      expect(encodeMessage(cls as never, {} as never).length, t.fullName).toBe(0);
    }
    expect(classes).toBeGreaterThan(100);
  });

  it('on scalar edge values: defaults, -0.0, NaN, negative int32, int64 as Long, number and string', () => {
    const nan = new Float64Array(new BigUint64Array([0xfff8_0000_0000_0001n]).buffer)[0]!;
    for (const wall_time of [0, -0, 1.5, Number.NaN, nan, Number.POSITIVE_INFINITY, -1e-310]) {
      const bytes = expectAgree('tensorflow.Event', { wall_time });
      // Implicit presence: 0 is not written, -0.0 is (its bits differ).
      expect('bytes' in bytes && bytes.bytes.length > 0).toBe(!Object.is(wall_time, 0));
    }
    for (const version_number of [0, 1, -1, 127, 128, 2 ** 31 - 1, -(2 ** 31)]) {
      const got = expectAgree('tensorflow.TensorProto', { version_number });
      // Negative int32: a 10-byte varint after the 1-byte tag.
      if (version_number < 0) expect(got).toEqual({ bytes: expect.stringMatching(/^18[0-9a-f]{18}01$/) });
    }
    const int64s = [
      0,
      -1,
      1,
      2 ** 40,
      -(2 ** 53),
      '0',
      '-5',
      '9223372036854775807',
      '-9223372036854775808',
      Long.fromString('-2'),
      Long.fromString('18446744073709551615', true),
      Long.ZERO,
      { low: 5, high: 0 },
    ];
    for (const size of int64s) expectAgree('tensorflow.TensorShapeProto.Dim', { size });
    expectAgree('tensorflow.TensorProto', { int64_val: int64s, uint64_val: int64s });
    for (const v of int64s) expectAgree('tensorflow.StructuredValue', { int64_value: v }); // sint64
    // Explicit presence (oneof members): defaults are written.
    for (const v of [{ i: 0 }, { s: new Uint8Array() }, { b: false }, { f: 0 }, { f: -0 }, { type: 0 }, { s: '' }])
      expect(expectAgree('tensorflow.AttrValue', v)).not.toEqual({ bytes: '' });
    // Two members set on a plain object: protobufjs writes both, so do we.
    expectAgree('tensorflow.AttrValue', { i: Long.fromNumber(7), f: 2.5, placeholder: 'p' });
    // proto2 (explicit presence): set to the default is written, the prototype's default is not.
    expectAgree('tensorflow.GraphDebugInfo.FileLineCol', { line: 0, func: '', col: -3 });
    const inherited = tensorflow.GraphDebugInfo.FileLineCol.create({ line: 0 });
    expect(hex(encodeMessage(tensorflow.GraphDebugInfo.FileLineCol, inherited))).toBe('1000');
    // Enums: numbers, unknown numbers, negative numbers.
    for (const dtype of [0, 1, 23, 101, 1000, -1]) expectAgree('tensorflow.TensorProto', { dtype });
    // Packed repeated scalars, as arrays and typed arrays.
    expectAgree('tensorflow.TensorProto', {
      float_val: new Float32Array([1, -0, Number.NaN, 3.4e38]),
      double_val: [1e-300, -0, nan],
      int_val: new Int32Array([-1, 0, 300, -(2 ** 31)]),
      half_val: [65535, -7],
      bool_val: [true, false, 1, 0],
      uint32_val: [2 ** 32 - 1, 0, 128],
      scomplex_val: [],
    });
    // Bytes as Uint8Array, number array and base64 string.
    for (const tensor_content of [new Uint8Array([0, 255]), [1, 2, 3], 'AAEC/w==', '', new Uint8Array(300)])
      expectAgree('tensorflow.TensorProto', { tensor_content });
  });

  it('on strings: ASCII, non-ASCII and lone surrogates around every length threshold', () => {
    const lengths = [0, 1, 39, 40, 63, 64, 127, 128, 300, 20_000];
    const fillers = ['a', 'é', '日', '😀', '\ud800', 'a\udc00', '\u007f'];
    for (const n of lengths)
      for (const f of fillers) {
        const s = f.repeat(Math.ceil(n / f.length)).slice(0, n);
        expectAgree('tensorflow.NodeDef', { name: s, input: [s, `x${s}`], attr: { [s]: { s: new Uint8Array(1) } } });
        expectAgree('tensorflow.AttrValue', { placeholder: s });
      }
  });

  it('on nested lengths around the 1/2/3-byte varint boundaries', () => {
    for (const target of [126, 127, 128, 129, 16_382, 16_383, 16_384, 16_385, 2_097_151, 2_097_152]) {
      for (let pad = -3; pad <= 3; pad++) {
        const name = 'n'.repeat(Math.max(0, target + pad));
        const graph = { node: [{ name, attr: { a: { list: { s: [new Uint8Array(target % 300)] } } } }] };
        expectAgree('tensorflow.GraphDef', graph);
      }
    }
  });

  it('on unknown fields (kept last) and integer-keyed maps (descending)', () => {
    const bytes = new Uint8Array([0x0a, 0x01, 0x6e, 0xa0, 0x1f, 0x05, 0x9a, 0x3f, 0x02, 0x68, 0x69, 0x15, 1, 2, 3, 4]);
    const node = decodeMessage(tensorflow.NodeDef, bytes);
    expect(hex(encodeMessage(tensorflow.NodeDef, node))).toBe(hex(bytes));
    expectAgree('tensorflow.NodeDef', { name: 'x', $unknowns: [new Uint8Array([0xa0, 0x1f, 0x01]), new Uint8Array()] });
    const fn = { arg_attr: { 2: { attr: { a: { i: 1 } } }, 10: {}, 1: {} }, resource_arg_unique_id: { 7: 1, 3: 2 } };
    const ours = encodeMessage(tensorflow.FunctionDef, fn as never);
    expect(hex(ours)).toBe(hex(tensorflow.FunctionDef.encode(fn as never).finish()));
    const keys = decodeMessage(tensorflow.FunctionDef, ours);
    expect(Object.keys(keys.arg_attr)).toEqual(['1', '2', '10']);
    // fixed64 keys (proto2 GraphDebugInfo).
    expectAgree('tensorflow.GraphDebugInfo', { frames_by_id: { '18446744073709551615': { line: 1 }, 5: {} } });
  });

  it('on nesting: the same depth limit and error as protobufjs, and bad input throws as it does', () => {
    // AttrValue -> NameAttrList -> AttrValue: depth 2 per level; `odd` ends one deeper, in a NameAttrList.
    const nest = (levels: number, odd: boolean): object => {
      let v: object = odd ? { func: { name: 'g' } } : { i: 1 };
      for (let i = 0; i < levels; i++) v = { func: { name: 'f', attr: { a: v } } };
      return v;
    };
    for (const [levels, odd] of [0, 1, 48, 49, 50, 51, 52, 120].flatMap((n) => [
      [n, false] as const,
      [n, true] as const,
    ])) {
      const message = nest(levels, odd);
      const cls = tensorflow.AttrValue;
      let ours: unknown;
      let theirs: unknown;
      try {
        ours = hex(encodeMessage(cls, message as never));
      } catch (err) {
        ours = (err as Error).message;
      }
      try {
        theirs = hex(cls.encode(message as never).finish());
      } catch (err) {
        theirs = (err as Error).message;
      }
      expect(ours).toEqual(theirs);
      // protobufjs throws past depth 100 (util.recursionLimit): the deepest message here is at 2 * levels (+ 1).
      expect(ours === 'max depth exceeded').toBe(2 * levels + (odd ? 1 : 0) > 100);
    }
    for (const bad of [{ dim: [null] }, { dim: [undefined] }])
      expect(expectAgree('tensorflow.TensorShapeProto', bad)).toEqual({ error: 'TypeError' });
  });

  it('on 6000 seeded random messages of every type, plain and as instances', () => {
    let state = 20261127;
    const rand = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    const strings = ['', 'a', 'Relu', 'é', '日本語', '😀', 'x'.repeat(130), 'ü'.repeat(50), '\ud800', 'tab\there'];
    const doubles = [0, -0, 1, -2.5, Number.NaN, Number.POSITIVE_INFINITY, 1e-320, 3.4e38, 1e39, 0.1];
    const int32s = [0, 1, -1, 127, 128, 16_384, 2 ** 31 - 1, -(2 ** 31), 300];
    const uint32s = [0, 1, 127, 128, 16_383, 16_384, 2 ** 32 - 1];
    const int64s = [
      0,
      1,
      -1,
      2 ** 33,
      '42',
      '-42',
      Long.fromString('-9000000000'),
      Long.UZERO,
      Long.MAX_UNSIGNED_VALUE,
    ];
    const scalar = (type: string): unknown => {
      switch (type) {
        case 'double':
        case 'float':
          return pick(doubles);
        case 'int32':
        case 'sint32':
        case 'sfixed32':
          return pick(int32s);
        case 'uint32':
        case 'fixed32':
          return pick(uint32s);
        case 'bool':
          return rand(2) === 1;
        case 'string':
          return pick(strings);
        case 'bytes':
          return rand(4) === 0 ? new Uint8Array() : Uint8Array.from({ length: rand(200) }, () => rand(256));
        default:
          return pick(int64s);
      }
    };
    const mapKey = (type: string): string =>
      type === 'string' ? pick(strings) : type === 'bool' ? pick(['true', 'false']) : String(pick(uint32s));
    const value = (field: protobuf.Field, depth: number): unknown => {
      if (field.resolvedType instanceof protobuf.Type) return message(field.resolvedType, depth + 1);
      if (field.resolvedType instanceof protobuf.Enum) return pick([0, 1, 2, 19, 200, -1]);
      return scalar(field.type);
    };
    const message = (type: protobuf.Type, depth: number): Record<string, unknown> => {
      const m: Record<string, unknown> = {};
      if (depth > 4) return m;
      for (const field of type.fieldsArray) {
        field.resolve();
        if (rand(3) === 0) continue;
        if (field instanceof protobuf.MapField) {
          const entries: Record<string, unknown> = {};
          for (let i = rand(4); i > 0; i--) entries[mapKey(field.keyType)] = value(field, depth);
          m[field.name] = entries;
        } else if (field.repeated) {
          const xs = Array.from({ length: rand(5) }, () => value(field, depth));
          const typed = { float: Float32Array, double: Float64Array, int32: Int32Array }[field.type];
          m[field.name] = typed && rand(2) ? new typed(xs as number[]) : xs;
        } else m[field.name] = value(field, depth);
      }
      if (rand(8) === 0) m.$unknowns = [new Uint8Array([0xf8, 0x3e, rand(128)])];
      return m;
    };
    const types = allOracleTypes().filter((t) => classOf(t.fullName.slice(1)));
    let encoded = 0;
    for (let i = 0; i < 6000; i++) {
      const type = types[i % types.length]!;
      const name = type.fullName.slice(1);
      const plain = message(type, 0);
      if ('bytes' in expectAgree(name, plain)) encoded++;
      expectAgree(name, classOf(name)!.create(plain));
    }
    expect(encoded).toBeGreaterThan(5000);
  });

  it('keeps encoding right after a failed and a large encode; every result is a copy of its own', () => {
    const small = tensorflow.NodeDef.create({ name: 'after', op: 'Op' });
    const want = hex(tensorflow.NodeDef.encode(small).finish());
    expect(() => encodeMessage(tensorflow.NodeDef, { attr: { a: { list: { shape: [null] } } } } as never)).toThrow();
    expect(hex(encodeMessage(tensorflow.NodeDef, small))).toBe(want);
    // 3 MB, then the same again, then 40 MB (past the kept writer), then small.
    const node = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ name: `node_${i}_${'p'.repeat(80)}`, op: 'NoOp' }));
    for (const graph of [{ node: node(30_000) }, { node: node(30_000) }, { node: node(400_000) }]) {
      const bytes = encodeMessage(tensorflow.GraphDef, graph);
      const kept = hex(bytes);
      expect(kept).toBe(hex(tensorflow.GraphDef.encode(graph).finish()));
      expect(hex(encodeMessage(tensorflow.NodeDef, small))).toBe(want);
      // An earlier result is not overwritten by later encodes; a large one has a buffer of its own.
      expect(hex(bytes)).toBe(kept);
      expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.length]);
    }
  });
});
