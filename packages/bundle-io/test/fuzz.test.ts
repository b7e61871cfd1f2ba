// Mutation fuzzing of real TensorFlow files (fixed seeds, so failures reproduce): whatever the damage, readers throw
// BundleError and nothing else (no RangeError, no hang, no huge allocation). Plus the exhaustive single-bit-flip check:
// every flip in a data file is caught by the tensor's checksum.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BundleError,
  BundleReader,
  type ByteSource,
  bytesSource,
  SafetensorsReader,
  V1Reader,
  writeSafetensors,
} from '@tensorgraft/bundle-io';
import { describe, expect, it } from 'vitest';
import { expected, fixture } from './fixtures.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x40];

/** One random mutation of `src` (a new array). */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  return mutateAt(src, rand).bytes;
}

/** One random mutation of `src` and the first offset it changed. */
function mutateAt(src: Uint8Array, rand: () => number): { bytes: Uint8Array; at: number } {
  const r = mutateRaw(src, rand);
  return r;
}

function mutateRaw(src: Uint8Array, rand: () => number): { bytes: Uint8Array; at: number } {
  const pick = (n: number) => Math.floor(rand() * n);
  const kind = pick(8);
  const out = src.slice();
  const at = pick(Math.max(1, src.length));
  switch (kind) {
    case 0:
    case 1:
      out[at]! ^= 1 << pick(8);
      return { bytes: out, at };
    case 2:
      out[at] = pick(256);
      return { bytes: out, at };
    case 3: {
      let first = out.length;
      for (let i = 0; i < 1 + pick(4); i++) {
        const p = pick(out.length);
        first = Math.min(first, p);
        out[p] = INTERESTING[pick(INTERESTING.length)]!;
      }
      return { bytes: out, at: first };
    }
    case 4: {
      const cut = pick(src.length);
      return { bytes: src.slice(0, cut), at: cut };
    }
    case 5: {
      const extra = new Uint8Array(1 + pick(16));
      for (let i = 0; i < extra.length; i++) extra[i] = pick(256);
      return { bytes: new Uint8Array(Buffer.concat([src.subarray(0, at), extra, src.subarray(at)])), at };
    }
    case 6: {
      const len = 1 + pick(16);
      return {
        bytes: new Uint8Array(Buffer.concat([src.subarray(0, at), src.subarray(Math.min(src.length, at + len))])),
        at,
      };
    }
    default: {
      // a large little-endian number over 4 or 8 bytes (sizes, offsets, varint runs)
      for (let i = 0; i < 4 + 4 * pick(2) && at + i < out.length; i++) out[at + i] = 0x80 | pick(128);
      return { bytes: out, at };
    }
  }
}

function onlyTypedErrors(run: () => void): 'ok' | string {
  try {
    run();
    return 'ok';
  } catch (e) {
    if (!(e instanceof BundleError)) throw new Error(`not a BundleError: ${(e as Error)?.stack ?? String(e)}`);
    return e.code;
  }
}

/** A ByteSource whose bytes can be swapped between iterations (so a reader can be reused). */
function swappable(initial: Uint8Array, path: string): { src: ByteSource; set(b: Uint8Array): void } {
  let cur = bytesSource(initial, path);
  return {
    src: {
      path,
      get size() {
        return cur.size;
      },
      get bytesRead() {
        return cur.bytesRead;
      },
      readInto: (o, t) => cur.readInto(o, t),
      read: (o, l) => cur.read(o, l),
      close() {},
    },
    set(b) {
      cur = bytesSource(b, path);
    },
  };
}

const CASES = ['dtypes', 'saver', 'merge', 'sharded'] as const;
function files(kase: (typeof CASES)[number]): { index: Uint8Array; data: Uint8Array[]; prefix: string } {
  const exp = expected(kase);
  const prefix = fixture(kase, exp.prefix);
  const r = BundleReader.open(prefix);
  const n = r.header.numShards;
  r.close();
  const data = Array.from(
    { length: n },
    (_, i) =>
      new Uint8Array(readFileSync(`${prefix}.data-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`)),
  );
  return { index: new Uint8Array(readFileSync(`${prefix}.index`)), data, prefix };
}

function readEverything(r: { names(): string[]; get(n: string): unknown; entries(): unknown }, limit = Infinity): void {
  r.entries();
  for (const n of r.names().slice(0, limit)) {
    try {
      r.get(n);
    } catch (e) {
      if (!(e instanceof BundleError)) throw e;
    }
  }
}

describe('fuzz: mutated real files give only typed errors', () => {
  it('60,000 mutations of real .index files', () => {
    const rand = rng(1);
    const codes = new Map<string, number>();
    const all = CASES.map(files);
    for (let i = 0; i < 60000; i++) {
      const f = all[i % all.length]!;
      const index = mutate(f.index, rand);
      const verify = i % 2 === 0; // half without checksums, to reach the decoders behind them
      const code = onlyTypedErrors(() => {
        const r = new BundleReader(
          {
            prefix: 'fuzz',
            index: bytesSource(index, 'fuzz.index'),
            openShard: (s) => bytesSource(f.data[s] ?? new Uint8Array(0)),
          },
          { verifyChecksums: verify },
        );
        readEverything(r, 3);
      });
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(60000);
    expect(codes.get('BLOCK_CHECKSUM')).toBeGreaterThan(1000);
  });

  it('48,000 mutations of real data files (with the index fuzz: 108,000 mutations of real files)', () => {
    // Each mutation is read back through the tensors it touches (the ones whose bytes reach past the first changed
    // offset, at most two), once with checksums and once without, so the decoders behind the checksum run too.
    const rand = rng(2);
    let failures = 0;
    let reads = 0;
    for (const kase of CASES) {
      const f = files(kase);
      const shards = f.data.map((d, i) => swappable(d, `fuzz.data-${i}`));
      const r = new BundleReader({ prefix: 'fuzz', index: bytesSource(f.index), openShard: (s) => shards[s]!.src });
      const u = new BundleReader(
        { prefix: 'fuzz', index: bytesSource(f.index), openShard: (s) => shards[s]!.src },
        { verifyChecksums: false },
      );
      // For each shard, tensors (or partitioned tensors) by the end of their bytes.
      const spans: { name: string; shard: number; end: number }[] = [];
      for (const e of r.entries()) {
        if (e.slices.length) spans.push({ name: e.name, shard: -1, end: Number.MAX_SAFE_INTEGER });
        else spans.push({ name: e.name, shard: e.shardId, end: e.offset + e.size });
      }
      for (let i = 0; i < 12000; i++) {
        const s = i % f.data.length;
        const m = mutateAt(f.data[s]!, rand);
        shards[s]!.set(m.bytes);
        const touched = spans.filter((x) => (x.shard === s || x.shard === -1) && x.end > m.at).slice(0, 2);
        for (const reader of [r, u]) {
          for (const t of touched) {
            reads++;
            if (onlyTypedErrors(() => reader.get(t.name)) !== 'ok') failures++;
          }
        }
        shards[s]!.set(f.data[s]!);
      }
    }
    expect(reads).toBeGreaterThan(48000);
    expect(failures).toBeGreaterThan(15000);
  });

  it('5,000 mutations of a real V1 file', () => {
    const rand = rng(3);
    const v1 = new Uint8Array(readFileSync(fixture('v1', 'model.ckpt')));
    for (let i = 0; i < 5000; i++) {
      const bytes = mutate(v1, rand);
      onlyTypedErrors(() =>
        readEverything(new V1Reader('fuzz', [bytesSource(bytes, 'fuzz')], { verifyChecksums: i % 2 === 0 })),
      );
    }
  });

  it('10,000 mutations of a safetensors file', () => {
    const rand = rng(4);
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-st-'));
    const r = BundleReader.open(fixture('saver', expected('saver').prefix));
    const file = join(dir, 'x.safetensors');
    writeSafetensors(
      file,
      r.names().map((n) => [n, r.get(n)]),
    );
    const st = new Uint8Array(readFileSync(file));
    rmSync(dir, { recursive: true });
    for (let i = 0; i < 10000; i++) {
      const bytes = mutate(st, rand);
      onlyTypedErrors(() => readEverything(new SafetensorsReader(bytesSource(bytes, 'fuzz.safetensors'))));
    }
  });
});

describe('every single-bit flip in a data file is caught by the checksum', () => {
  it('exhaustively on the dtypes fixture (every bit of every tensor)', () => {
    const f = files('dtypes');
    const data = f.data[0]!;
    const shard = swappable(data, 'data');
    const r = new BundleReader({ prefix: 'flip', index: bytesSource(f.index), openShard: () => shard.src });
    // Which tensor owns each byte.
    const owner = new Array<string | undefined>(data.length);
    const stringTensors = new Set<string>();
    const sliceOwners: string[] = [];
    for (const e of r.entries()) {
      if (e.dtype === 'string') stringTensors.add(e.name);
      if (e.slices.length) {
        sliceOwners.push(e.name);
        continue;
      }
      for (let b = e.offset; b < e.offset + e.size; b++) owner[b] = e.name;
    }
    let flips = 0;
    const codes = new Map<string, number>();
    const names = r.names();
    for (let byte = 0; byte < data.length; byte++) {
      const name = owner[byte] ?? sliceOwners[0]!;
      const other = names[(names.indexOf(name) + 1 + (byte % (names.length - 1))) % names.length]!;
      for (let bit = 0; bit < 8; bit++) {
        const bad = data.slice();
        bad[byte]! ^= 1 << bit;
        shard.set(bad);
        // The tensor that owns the byte fails, and only with a checksum error; another one still reads.
        const code = onlyTypedErrors(() => r.get(name));
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (owner[byte] === undefined && !sliceOwners.includes(name)) throw new Error(`byte ${byte} has no owner`);
        expect(onlyTypedErrors(() => r.get(other))).toBe('ok');
        flips++;
      }
    }
    // Every byte of the file belongs to some tensor (no padding), so this covers every bit of the file.
    expect(sliceOwners).toHaveLength(1);
    expect(owner.filter((o) => o !== undefined).length + 96).toBe(data.length);
    expect(flips).toBe(data.length * 8);
    expect(stringTensors.size).toBe(3);
    // Every flip is a checksum mismatch: for numeric tensors the tensor crc, for strings the crc over the lengths or
    // over the whole entry (lengths are checked against their crc before they are trusted).
    expect([...codes.keys()]).toEqual(['TENSOR_CHECKSUM']);
  });
});
