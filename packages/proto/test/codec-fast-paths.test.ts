// The generated code is post-processed for speed (scripts/generate.mjs: oneof members, strings, first elements of
// repeated fields; src/codec/) and encodeMessage reuses its writer. Oracle: protobufjs's own reflection decoder and
// encoder built from the same .proto files at run time, which the post-processing never touches. Both must build
// objects with the same own properties and values, fail on the same inputs, and encode the same bytes, over the
// TensorFlow fixtures, hand-made edge cases and seeded mutations.
import { join } from 'node:path';
import { decodeMessage, encodeMessage, ProtoError, tensorflow } from '@tensorgraft/proto';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { bytesOf, GRAPHS, MODELS } from './fixtures.js';
import { oracleRoot } from './oracle.js';

/** Own enumerable properties, recursively, with Longs and bytes spelled out: what a caller can observe. */
function observe(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(observe);
  if (protobuf.util.Long?.isLong(value)) return `long:${value.toString()}`;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = observe((value as Record<string, unknown>)[key]);
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false };
function ours(typeName: string, bytes: Uint8Array): Outcome {
  const type = typeName.split('.').reduce<unknown>((ns, part) => (ns as Record<string, unknown>)[part], {
    tensorflow,
  }) as Parameters<typeof decodeMessage>[0];
  try {
    return { ok: true, value: observe(decodeMessage(type, bytes)) };
  } catch (err) {
    expect(err).toBeInstanceOf(ProtoError);
    return { ok: false };
  }
}
function oracle(typeName: string, bytes: Uint8Array): Outcome {
  const reader = protobuf.Reader.create(bytes);
  reader.discardUnknown = false;
  try {
    return { ok: true, value: observe(oracleRoot.lookupType(typeName).decode(reader)) };
  } catch {
    return { ok: false };
  }
}
function typeOf(typeName: string): Parameters<typeof encodeMessage>[0] {
  return typeName.split('.').reduce<unknown>((ns, part) => (ns as Record<string, unknown>)[part], {
    tensorflow,
  }) as Parameters<typeof encodeMessage>[0];
}
/**
 * Decodes with both and compares; then re-encodes what we decoded and compares with `reencode`: 'oracle' (the
 * oracle's encoding of its own decoding; not for messages with integer-keyed maps, which our encoder writes in
 * TensorFlow's descending key order) or 'input' (the bytes themselves, for TensorFlow's canonical files).
 */
function expectSame(typeName: string, bytes: Uint8Array, reencode: 'oracle' | 'input' = 'oracle'): Outcome {
  const got = ours(typeName, bytes);
  expect(got).toEqual(oracle(typeName, bytes));
  if (got.ok) {
    let want = bytes;
    if (reencode === 'oracle') {
      const reader = protobuf.Reader.create(bytes);
      reader.discardUnknown = false;
      const type = oracleRoot.lookupType(typeName);
      want = type.encode(type.decode(reader)).finish();
    }
    const encoded = encodeMessage(typeOf(typeName), decodeMessage(typeOf(typeName), bytes));
    expect(Buffer.from(encoded).equals(Buffer.from(want))).toBe(true);
  }
  return got;
}

/** Hand-made wire bytes: a tag, then a varint, a length-delimited payload, or a fixed32. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const len = (field: number, payload: number[] | string): number[] => {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : payload;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
};
const num = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];
const u8 = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());

describe('post-processed decoders agree with protobufjs reflection', () => {
  it('on every fixture GraphDef and MetaGraphDef', () => {
    for (const m of MODELS) {
      expect(expectSame('tensorflow.GraphDef', bytesOf(join(GRAPHS, `${m}.pb`)), 'input').ok).toBe(true);
      expect(expectSame('tensorflow.MetaGraphDef', bytesOf(join(GRAPHS, `${m}.meta`)), 'input').ok).toBe(true);
    }
  });

  it('on a oneof set more than once: the last member wins and the others are gone', () => {
    // AttrValue: s, then i, then f: only f remains, and `value` names it.
    const bytes = u8(len(2, 'abc'), num(3, 7), [37, 0, 0, 128, 63]);
    const got = expectSame('tensorflow.AttrValue', bytes);
    expect(got).toEqual({ ok: true, value: { f: 1 } });
    const decoded = decodeMessage(tensorflow.AttrValue, bytes);
    expect(decoded.value).toBe('f');
    expect(Object.hasOwn(decoded, 's') || Object.hasOwn(decoded, 'i')).toBe(false);
    // The same member twice, then another and back again.
    expectSame('tensorflow.AttrValue', u8(num(6, 1), num(6, 3), len(2, 'x'), num(6, 9)));
  });

  it('on a map value sent twice: the second merges into the first (a oneof member already set)', () => {
    // NodeDef.attr entry {key "T", value {s "a"}, value {type 3}}: merged, type replaces s.
    const entry = [...len(1, 'T'), ...len(2, len(2, 'a')), ...len(2, num(6, 3))];
    const got = expectSame('tensorflow.NodeDef', u8(len(1, 'n'), len(5, entry)));
    expect(got).toEqual({ ok: true, value: { name: 'n', input: [], attr: { T: { type: 3 } } } });
    // A message field sent twice merges too (AttrValue.list twice: the lists concatenate).
    const twice = u8(len(1, len(2, 'a')), len(1, len(2, 'b')));
    expect(expectSame('tensorflow.AttrValue', twice)).toEqual({
      ok: true,
      value: { list: { s: ['bytes:61', 'bytes:62'], i: [], f: [], b: [], type: [], shape: [], tensor: [], func: [] } },
    });
  });

  it('on repeated fields: order kept, first element and later ones alike', () => {
    const inputs = Array.from({ length: 40 }, (_, i) => `in${i}`);
    const got = expectSame('tensorflow.NodeDef', u8(...inputs.map((s) => len(3, s))));
    expect(got.ok && (got.value as { input: string[] }).input).toEqual(inputs);
    expectSame('tensorflow.NodeDef', u8(len(3, 'only')));
    // Repeated fields interleaved with others.
    expectSame('tensorflow.NodeDef', u8(len(3, 'a'), len(1, 'n'), len(3, 'b'), len(2, 'Op'), len(3, 'c')));
  });

  it('on strings: ASCII, UTF-8 (short and long), empty, and invalid UTF-8 (rejected)', () => {
    const cases = [
      '',
      'a',
      'Relu',
      'é',
      'ascii then é',
      '日本語の名前',
      'x'.repeat(64),
      'y'.repeat(65),
      'é'.repeat(100),
    ];
    for (const s of cases) {
      const got = expectSame('tensorflow.NodeDef', u8(len(1, s), len(2, s), len(3, s), len(3, s)));
      expect(got).toEqual({ ok: true, value: { ...(s ? { name: s, op: s } : {}), input: [s, s], attr: {} } });
    }
    for (const bad of [[0xff], [0x61, 0x62, 0xc3], [0xc3, 0x28], [0xed, 0xa0, 0x80], Array(70).fill(0x80)]) {
      const got = expectSame('tensorflow.NodeDef', u8(len(1, bad)));
      expect(got.ok).toBe(false);
    }
  });

  it('on strings that share a length and hash slot: each reads back as itself', () => {
    // Thousands of distinct same-length names, each read twice: a cached string is only returned for equal bytes.
    const names = Array.from({ length: 20_000 }, (_, i) => `node_${i.toString(36).padStart(5, '0')}`);
    const graph = u8(...names.map((name) => len(1, [...len(1, name), ...len(3, name)])));
    const decoded = decodeMessage(tensorflow.GraphDef, graph);
    expect(decoded.node.map((n) => n.name)).toEqual(names);
    expect(decoded.node.map((n) => n.input[0])).toEqual(names);
    expect(Buffer.from(encodeMessage(tensorflow.GraphDef, decoded))).toEqual(Buffer.from(graph));
  });

  it('encodes strings of every kind, and keeps encoding right after a failed or a large encode', () => {
    const strings = [
      '',
      'a',
      'é',
      'ascii then é',
      '日本語',
      'x'.repeat(127),
      'y'.repeat(128),
      'z'.repeat(1000),
      '\u0000\u007f',
    ];
    for (const s of strings) {
      const node = tensorflow.NodeDef.create({
        name: s,
        op: s,
        input: [s, s],
        attr: { [s]: { s: new Uint8Array([1]) } },
      });
      const bytes = encodeMessage(tensorflow.NodeDef, node);
      const type = oracleRoot.lookupType('tensorflow.NodeDef');
      expect(Buffer.from(bytes).equals(Buffer.from(type.encode(type.fromObject(node)).finish()))).toBe(true);
      const back = decodeMessage(tensorflow.NodeDef, bytes);
      expect([back.name, back.op, back.input, Object.keys(back.attr)]).toEqual([s, s, [s, s], [s]]);
    }
    // A lone surrogate is not ASCII: written as protobufjs writes it (its own three bytes in a short string).
    const lone = encodeMessage(tensorflow.NodeDef, tensorflow.NodeDef.create({ name: 'a\ud800b' }));
    expect(Buffer.from(lone)).toEqual(Buffer.from(tensorflow.NodeDef.encode({ name: 'a\ud800b' }).finish()));
    // An encode that throws half-way must not leave the shared writer behind in a bad state.
    const bad = { name: 'n', attr: { T: { list: { shape: [null] } } } };
    expect(() => encodeMessage(tensorflow.NodeDef, bad as unknown as tensorflow.NodeDef)).toThrow();
    const small = tensorflow.NodeDef.create({ name: 'after', op: 'Op' });
    expect(decodeMessage(tensorflow.NodeDef, encodeMessage(tensorflow.NodeDef, small))).toEqual(small);
    // A message bigger than the kept writer, then small ones again.
    const big = tensorflow.GraphDef.create({
      node: Array.from({ length: 100_000 }, (_, i) => ({ name: `node_${i}_${'p'.repeat(80)}`, op: 'NoOp' })),
    });
    const bigBytes = encodeMessage(tensorflow.GraphDef, big);
    expect(bigBytes.length).toBeGreaterThan(8 << 20);
    expect(decodeMessage(tensorflow.GraphDef, bigBytes).node[99_999]?.name).toBe(big.node[99_999]?.name);
    expect(decodeMessage(tensorflow.NodeDef, encodeMessage(tensorflow.NodeDef, small))).toEqual(small);
  });

  it('on 20k seeded mutations of fixture nodes and attrs', () => {
    const graphs = MODELS.map((m) => bytesOf(join(GRAPHS, `${m}.pb`)));
    const samples: { type: string; bytes: Uint8Array }[] = [];
    for (const g of graphs) {
      for (const node of decodeMessage(tensorflow.GraphDef, g).node) {
        samples.push({ type: 'tensorflow.NodeDef', bytes: encodeMessage(tensorflow.NodeDef, node) });
        for (const attr of Object.values(node.attr))
          samples.push({ type: 'tensorflow.AttrValue', bytes: encodeMessage(tensorflow.AttrValue, attr) });
      }
    }
    let state = 20261126;
    const rand = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    let decodedOk = 0;
    for (let i = 0; i < 20_000; i++) {
      const { type, bytes } = samples[rand(samples.length)]!;
      const b = new Uint8Array(bytes);
      if (b.length === 0) continue;
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(b.length);
        b[at] = rand(2) ? b[at]! ^ (1 << rand(8)) : rand(256);
      }
      // Also a doubled copy: every field (oneof members, strings, repeated, map entries) sent twice.
      const doubled = u8([...b], [...b]);
      if (expectSame(type, b).ok) decodedOk++;
      expectSame(type, doubled);
    }
    expect(decodedOk).toBeGreaterThan(1000);
  });
});
