// Decode views against decodeMessage: for the same bytes a view must accept and reject exactly the same inputs (with
// the same error code), and every field read through it must equal the decoded object's field. Inputs: TensorFlow's
// fixtures, hand-made edge cases, and seeded mutations of real messages.
import { join } from 'node:path';
import {
  decodeMessage,
  decodeView,
  encodeMessage,
  isMessageView,
  type MessageType,
  type MessageView,
  ProtoError,
  printText,
  tensorflow,
  toMessage,
  viewBytes,
  viewTypeName,
} from '@tensorgraft/proto';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { bytesOf, equalBytes, GRAPHS, MODELS } from './fixtures.js';
import { int, mutateBytes, pick, prng } from './mutate.js';
import { oracleRoot } from './oracle.js';

type Obj = Record<string, unknown>;

function show(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object' && value !== null && 'unsigned' in value && 'high' in value)
    return `long:${value.unsigned}:${String(value)}`;
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return value;
}

/** Compares every field of `view` with `eager` (a decodeMessage result) through the schema; returns the mismatches. */
function differences(view: Obj, eager: Obj, type: protobuf.Type, path: string, out: string[]): void {
  for (const field of type.fieldsArray) {
    const at = `${path}.${field.name}`;
    const v = view[field.name];
    const e = eager[field.name];
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.map) {
      const vk = Object.keys(v as Obj);
      const ek = Object.keys(e as Obj);
      if (vk.join('\u0000') !== ek.join('\u0000')) out.push(`${at}: keys ${vk} vs ${ek}`);
      else for (const k of vk) same((v as Obj)[k], (e as Obj)[k], message, `${at}[${k}]`, out);
    } else if (field.repeated) {
      const va = v as unknown[];
      const ea = e as unknown[];
      if (va.length !== ea.length) out.push(`${at}: length ${va.length} vs ${ea.length}`);
      else for (let i = 0; i < va.length; i++) same(va[i], ea[i], message, `${at}[${i}]`, out);
    } else same(v, e, message, at, out);
  }
  for (const oneof of type.oneofsArray)
    if (view[oneof.name] !== eager[oneof.name])
      out.push(`${path}.${oneof.name}: ${String(view[oneof.name])} vs ${String(eager[oneof.name])}`);
  const vu = ((view.$unknowns as Uint8Array[] | undefined) ?? []).map(show);
  const eu = ((eager.$unknowns as Uint8Array[] | undefined) ?? []).map(show);
  if (JSON.stringify(vu) !== JSON.stringify(eu)) out.push(`${path}.$unknowns: ${vu} vs ${eu}`);
}

function same(v: unknown, e: unknown, message: protobuf.Type | undefined, at: string, out: string[]): void {
  if (message && v !== null && e !== null && typeof v === 'object' && typeof e === 'object') {
    if (!isMessageView(v)) out.push(`${at}: not a view`);
    differences(v as Obj, e as Obj, message, at, out);
  } else if (show(v) !== show(e)) out.push(`${at}: ${String(show(v))} vs ${String(show(e))}`);
}

function typeNamed(name: string): MessageType<unknown> {
  return name.split('.').reduce<unknown>((ns, part) => (ns as Obj)[part], { tensorflow }) as MessageType<unknown>;
}

type Outcome = { ok: true; diffs: string[] } | { ok: false; code: string };

/** Decodes both ways; on success the list of field mismatches (empty when the view is right). */
function compare(typeName: string, bytes: Uint8Array): { view: Outcome; eager: Outcome } {
  const type = typeNamed(typeName);
  const outcome = (fn: () => Obj): Outcome | Obj => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ProtoError)) throw err;
      return { ok: false, code: err.code };
    }
  };
  const eager = outcome(() => decodeMessage(type, bytes) as Obj);
  const view = outcome(() => decodeView(type, bytes) as unknown as Obj);
  if ('ok' in eager || 'ok' in view)
    return {
      view: 'ok' in view ? (view as Outcome) : { ok: true, diffs: [] },
      eager: 'ok' in eager ? (eager as Outcome) : { ok: true, diffs: [] },
    };
  const diffs: string[] = [];
  differences(view as Obj, eager as Obj, oracleRoot.lookupType(typeName), typeName, diffs);
  return { view: { ok: true, diffs }, eager: { ok: true, diffs: [] } };
}

const FILES = MODELS.flatMap((m) => [
  { typeName: 'tensorflow.GraphDef', bytes: bytesOf(join(GRAPHS, `${m}.pb`)), name: `${m}.pb` },
  { typeName: 'tensorflow.MetaGraphDef', bytes: bytesOf(join(GRAPHS, `${m}.meta`)), name: `${m}.meta` },
]);

describe('decodeView on TensorFlow fixtures', () => {
  it.each(FILES.map((f) => [f.name, f] as const))('%s reads the same as decodeMessage', (_, f) => {
    const { view, eager } = compare(f.typeName, f.bytes);
    expect(eager.ok).toBe(true);
    expect(view).toEqual({ ok: true, diffs: [] });
  });

  it('encodes to its own bytes, prints like the object, and converts to the object', () => {
    const f = FILES.find((x) => x.name.endsWith('.meta')) as (typeof FILES)[number];
    const view = decodeView(tensorflow.MetaGraphDef, f.bytes);
    const eager = decodeMessage(tensorflow.MetaGraphDef, f.bytes);
    expect(equalBytes(encodeMessage(tensorflow.MetaGraphDef, view), f.bytes)).toBe(true);
    expect(printText(tensorflow.MetaGraphDef, view)).toBe(printText(tensorflow.MetaGraphDef, eager));
    const back = toMessage(view);
    expect(back).toBeInstanceOf(tensorflow.MetaGraphDef);
    expect(back.toJSON()).toEqual(eager.toJSON());
    expect(JSON.stringify(view)).toBe(JSON.stringify(eager));
    // A nested view is a view of its own type: its bytes, its object.
    const node = view.graph_def?.node[0] as MessageView<tensorflow.NodeDef.$Properties>;
    expect(viewTypeName(node)).toBe('tensorflow.NodeDef');
    expect(
      equalBytes(
        encodeMessage(tensorflow.NodeDef, node),
        encodeMessage(tensorflow.NodeDef, eager.graph_def?.node?.[0] as tensorflow.NodeDef),
      ),
    ).toBe(true);
    expect(viewBytes(node).length).toBeGreaterThan(0);
    expect(toMessage(node)).toEqual(eager.graph_def?.node?.[0]);
  });

  it('is read-only and hands out the same nested views each time', () => {
    const f = FILES[0] as (typeof FILES)[number];
    const view = decodeView(tensorflow.GraphDef, f.bytes);
    expect(view.node[0]).toBe(view.node[0]);
    expect(() => {
      (view as unknown as Obj).versions = null;
    }).toThrow(TypeError);
    expect(() => (view.node as unknown as unknown[]).push(1)).not.toThrow(); // a list is a plain array of views
    expect(isMessageView(view)).toBe(true);
    // Fields are getters on the class: nothing of the view's own state shows.
    expect(Object.keys(view)).toEqual([]);
    expect(JSON.parse(JSON.stringify(view.node[0]))).toEqual(
      toMessage(view.node[0] as MessageView<tensorflow.NodeDef>).toJSON(),
    );
    expect(isMessageView(decodeMessage(tensorflow.GraphDef, f.bytes))).toBe(false);
  });
});

describe('decodeView edge cases', () => {
  const cases: [string, string, number[]][] = [
    ['empty', 'tensorflow.NodeDef', []],
    ['proto3 defaults written out', 'tensorflow.NodeDef', [0x0a, 0x00, 0x12, 0x00]],
    ['last scalar wins', 'tensorflow.NodeDef', [0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62]],
    [
      'singular message merges',
      'tensorflow.TensorShapeProto',
      [0x12, 0x02, 0x08, 0x05, 0x18, 0x01, 0x12, 0x02, 0x08, 0x07],
    ],
    [
      'repeated scalars packed and unpacked',
      'tensorflow.TensorProto',
      [0x2a, 0x04, 0, 0, 0x80, 0x3f, 0x2d, 0, 0, 0, 0x40],
    ],
    ['oneof member replaced', 'tensorflow.AttrValue', [0x12, 0x01, 0x61, 0x18, 0x07]],
    ['oneof message member merges', 'tensorflow.AttrValue', [0x3a, 0x02, 0x08, 0x01, 0x3a, 0x02, 0x10, 0x02]],
    [
      'oneof member set again after another',
      'tensorflow.AttrValue',
      [0x3a, 0x02, 0x08, 0x01, 0x18, 0x07, 0x3a, 0x02, 0x10, 0x02],
    ],
    [
      'map key repeated keeps first position, last value',
      'tensorflow.NodeDef',
      [
        0x2a, 0x07, 0x0a, 0x01, 0x61, 0x12, 0x02, 0x30, 0x01, 0x2a, 0x07, 0x0a, 0x01, 0x62, 0x12, 0x02, 0x30, 0x00,
        0x2a, 0x07, 0x0a, 0x01, 0x61, 0x12, 0x02, 0x18, 0x03,
      ],
    ],
    ['map entry without key or value', 'tensorflow.NodeDef', [0x2a, 0x00]],
    ['map key __proto__', 'tensorflow.NodeDef', [0x2a, 0x0d, 0x0a, 0x09, ...Buffer.from('__proto__'), 0x12, 0x00]],
    [
      'unknown fields of every wire type',
      'tensorflow.NodeDef',
      [0x78, 0x01, 0x79, 1, 2, 3, 4, 5, 6, 7, 8, 0x7a, 0x01, 0x00, 0x7d, 1, 2, 3, 4, 0x7b, 0x08, 0x01, 0x7c],
    ],
    ['known field with the wrong wire type', 'tensorflow.NodeDef', [0x08, 0x05]],
    [
      'negative int32 as 10 bytes',
      'tensorflow.TensorProto',
      [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ],
    [
      'int64 extremes',
      'tensorflow.TensorProto',
      [0x52, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x00],
    ],
    ['non-ASCII string', 'tensorflow.NodeDef', [0x0a, 0x02, 0xc3, 0xa9]],
    ['invalid UTF-8', 'tensorflow.NodeDef', [0x0a, 0x02, 0xc3, 0x28]],
    ['truncated length', 'tensorflow.NodeDef', [0x0a, 0x05, 0x61]],
    ['field number 0', 'tensorflow.NodeDef', [0x00, 0x01]],
    ['wire type 6', 'tensorflow.NodeDef', [0x0e]],
    ['end group without group', 'tensorflow.NodeDef', [0x0c]],
    [
      'varint of 11 bytes',
      'tensorflow.TensorProto',
      [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ],
    ['length of 2^31', 'tensorflow.NodeDef', [0x0a, 0x80, 0x80, 0x80, 0x80, 0x08]],
    ['tag over 32 bits', 'tensorflow.NodeDef', [0x80, 0x80, 0x80, 0x80, 0x10, 0x00]],
    ['packed floats of 5 bytes', 'tensorflow.TensorProto', [0x2a, 0x05, 0, 0, 0x80, 0x3f, 0]],
  ];
  it.each(cases)('%s', (_, typeName, bytes) => {
    const { view, eager } = compare(typeName, Uint8Array.from(bytes));
    expect(view.ok ? { ok: true, diffs: view.diffs } : view).toEqual(eager.ok ? { ok: true, diffs: [] } : eager);
  });

  it('reports the file and offset of bad bytes', () => {
    let error: unknown;
    try {
      decodeView(tensorflow.NodeDef, Uint8Array.from([0x0a, 0x01, 0x61, 0x12, 0x09, 0x62]), { path: 'x.pb' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProtoError);
    expect(error).toMatchObject({ code: 'TRUNCATED', path: 'x.pb', offset: 5, type: 'tensorflow.NodeDef' });
  });

  it('refuses nesting deeper than 100 messages, as decodeMessage', () => {
    // A GraphDef's library holds functions whose nodes hold attrs holding lists of ... : nest NameAttrList in AttrValue.
    let inner: number[] = [];
    for (let depth = 0; depth < 120; depth++) {
      const attr = [0x52, ...varint(inner.length), ...inner]; // AttrValue.func = NameAttrList
      const entry = [0x0a, 0x01, 0x61, 0x12, ...varint(attr.length), ...attr]; // map entry key "a", value AttrValue
      inner = [0x12, ...varint(entry.length), ...entry]; // NameAttrList.attr
    }
    const { view, eager } = compare('tensorflow.NameAttrList', Uint8Array.from(inner));
    expect(eager).toEqual({ ok: false, code: 'BAD_WIRE' });
    expect(view).toEqual(eager);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

// Reproduce or extend: PROTO_VIEW_FUZZ_SEED=... PROTO_VIEW_FUZZ_ITERATIONS=... pnpm vitest run test/view.test.ts
const SEED = Number(process.env.PROTO_VIEW_FUZZ_SEED ?? 20261126);
const ITERATIONS = Number(process.env.PROTO_VIEW_FUZZ_ITERATIONS ?? 20_000);

describe('decodeView fuzz', () => {
  const graphs = FILES.filter((f) => f.typeName === 'tensorflow.GraphDef').map((f) =>
    decodeMessage(tensorflow.GraphDef, f.bytes),
  );
  const metas = FILES.filter((f) => f.typeName === 'tensorflow.MetaGraphDef').map((f) =>
    decodeMessage(tensorflow.MetaGraphDef, f.bytes),
  );
  const samples: { typeName: string; bytes: Uint8Array }[] = [
    ...graphs.flatMap((g) =>
      g.node.map((n) => ({ typeName: 'tensorflow.NodeDef', bytes: encodeMessage(tensorflow.NodeDef, n) })),
    ),
    ...metas.flatMap((m) =>
      (m.meta_info_def?.stripped_op_list?.op ?? []).map((o) => ({
        typeName: 'tensorflow.OpDef',
        bytes: encodeMessage(tensorflow.OpDef, o),
      })),
    ),
    ...metas.flatMap((m) =>
      Object.values(m.collection_def).map((c) => ({
        typeName: 'tensorflow.CollectionDef',
        bytes: encodeMessage(tensorflow.CollectionDef, c),
      })),
    ),
    ...FILES.filter((f) => f.bytes.length < 20_000),
  ];

  it(`accepts, rejects and reads as decodeMessage over ${ITERATIONS} mutated inputs`, () => {
    const r = prng(SEED);
    const tally = { ok: 0, failed: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const s = pick(r, samples);
      const input = mutateBytes(r, s.bytes, (samples[int(r, samples.length)] as (typeof samples)[number]).bytes);
      const { view, eager } = compare(s.typeName, input);
      const got = view.ok ? { ok: true, diffs: view.diffs } : view;
      if (JSON.stringify(got) !== JSON.stringify(eager.ok ? { ok: true, diffs: [] } : eager))
        throw new Error(
          `seed ${SEED} iteration ${i} (${s.typeName}): view ${JSON.stringify(got)}, eager ${JSON.stringify(eager)}`,
        );
      tally[eager.ok ? 'ok' : 'failed']++;
    }
    // Both kinds of outcome must be well represented, or the fuzz proves little.
    expect(tally.ok).toBeGreaterThan(ITERATIONS / 10);
    expect(tally.failed).toBeGreaterThan(ITERATIONS / 10);
  });
});
