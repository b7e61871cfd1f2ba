// Inputs for the fuzz targets, as fast-check arbitraries (so failures shrink and replay from a seed): a real
// TensorFlow file with a few structure-blind mutations (bit flips, interesting bytes and integers, varints, cuts,
// inserts, deletes, copies of its own bytes, format tokens), or now and then plain random bytes.
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'int'; at: number; value: bigint; width: 1 | 2 | 4 | 8 }
  | { kind: 'varint'; at: number; value: bigint }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'copy'; from: number; at: number; length: number };

/** Edge values for fixed-width and varint fields: lengths, counts, offsets, sizes. */
const INTERESTING = [
  0n,
  1n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x1fffffffffffffn,
  0x7fffffffffffffffn,
  0xffffffffffffffffn,
];

/** Tokens of the formats (text protos, JSON headers) that structure-blind byte edits rarely produce. */
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  '"',
  '\\',
  '\\x',
  '\\377',
  "'",
  '<',
  '>',
  '#',
  ',',
  ';',
  '-',
  '\u0000',
  '\n',
  'nan',
  '-inf',
  '1e999',
  '99999999999999999999999',
  '-9223372036854775809',
  '0x',
  'true',
  '__proto__',
  'constructor',
  '__metadata__',
  '"dtype":"F32"',
  '"data_offsets":[0,4]',
  '"shape":[4294967296]',
  'node {',
  'attr {',
  'key: "',
  'value {',
  'tensor_content: "',
  '[type.googleapis.com/x]',
].map((t) => new TextEncoder().encode(t));

const at = fc.nat({ max: 1 << 20 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at, value: fc.nat({ max: 255 }) }),
  fc.record({
    kind: fc.constant('int' as const),
    at,
    value: fc.constantFrom(...INTERESTING),
    width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
  }),
  fc.record({ kind: fc.constant('varint' as const), at, value: fc.constantFrom(...INTERESTING) }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.record({
    kind: fc.constant('insert' as const),
    at,
    bytes: fc.oneof(fc.constantFrom(...TOKENS), fc.uint8Array({ minLength: 1, maxLength: 16 })),
  }),
  fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('copy' as const), from: at, at, length: fc.integer({ min: 1, max: 256 }) }),
);

export interface FuzzInput {
  /** Which seed file (index into the target's seeds); ignored for random bytes. */
  seed: number;
  /** Mutations applied in order, or raw bytes used as they are. */
  mutations: Mutation[] | Uint8Array;
}

export const inputArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  {
    weight: 19,
    arbitrary: fc.record({ seed: fc.nat(), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ seed: fc.constant(0), mutations: fc.uint8Array({ maxLength: 512 }) }) },
);

/** The bytes a FuzzInput stands for. */
export function applyInput(seeds: readonly Uint8Array[], input: FuzzInput): Uint8Array {
  if (input.mutations instanceof Uint8Array) return input.mutations;
  let b = seeds[input.seed % seeds.length]!;
  for (const m of input.mutations) b = mutate(b, m);
  return b;
}

function mutate(src: Uint8Array, m: Mutation): Uint8Array {
  const n = src.length;
  const pos = (p: number) => (n === 0 ? 0 : p % n);
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return src;
      const out = src.slice();
      out[pos(m.at)]! ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return src;
      const out = src.slice();
      out[pos(m.at)] = m.value;
      return out;
    }
    case 'int': {
      const out = src.slice();
      const start = pos(m.at);
      for (let i = 0; i < m.width && start + i < n; i++) out[start + i] = Number((m.value >> BigInt(8 * i)) & 0xffn);
      return out;
    }
    case 'varint': {
      const bytes: number[] = [];
      let v = m.value;
      do {
        const low = Number(v & 0x7fn);
        v >>= 7n;
        bytes.push(v > 0n ? low | 0x80 : low);
      } while (v > 0n);
      const out = src.slice();
      const start = pos(m.at);
      for (let i = 0; i < bytes.length && start + i < n; i++) out[start + i] = bytes[i]!;
      return out;
    }
    case 'truncate':
      return src.slice(0, pos(m.at));
    case 'insert': {
      const p = n === 0 ? 0 : m.at % (n + 1);
      const out = new Uint8Array(n + m.bytes.length);
      out.set(src.subarray(0, p));
      out.set(m.bytes, p);
      out.set(src.subarray(p), p + m.bytes.length);
      return out;
    }
    case 'delete': {
      const p = pos(m.at);
      const out = new Uint8Array(Math.max(0, n - Math.min(m.length, n - p)));
      out.set(src.subarray(0, p));
      out.set(src.subarray(Math.min(n, p + m.length)), p);
      return out;
    }
    case 'copy': {
      if (n === 0) return src;
      const from = pos(m.from);
      const chunk = src.slice(from, Math.min(n, from + m.length));
      const out = src.slice();
      out.set(chunk.subarray(0, Math.max(0, n - pos(m.at))), pos(m.at));
      return out;
    }
  }
}
