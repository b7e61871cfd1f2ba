// One test per failure kind, each on a damaged copy of a real TensorFlow file: a typed BundleError naming the file, the
// offset and the tensor.
import { readFileSync } from 'node:fs';
import {
  BlockBuilder,
  BundleError,
  BundleReader,
  blockTrailer,
  bytesSource,
  encodeFooter,
  TableReader,
  V1Reader,
} from '@tensorgraft/bundle-io';
import { crc32c, decodeMessage, encodeMessage, maskCrc, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { expected, fixture } from './fixtures.js';

const exp = expected('dtypes');
const INDEX = new Uint8Array(readFileSync(fixture('dtypes', 'model.ckpt.index')));
const DATA = new Uint8Array(readFileSync(fixture('dtypes', 'model.ckpt.data-00000-of-00001')));

function open(index: Uint8Array, data: Uint8Array = DATA): BundleReader {
  return new BundleReader({
    prefix: 'model.ckpt',
    index: bytesSource(index, 'model.ckpt.index'),
    openShard: () => bytesSource(data, 'model.ckpt.data-00000-of-00001'),
  });
}

function error(f: () => unknown): BundleError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    return e as BundleError;
  }
  throw new Error('expected a BundleError');
}

/** A table made of the given entries in the given order (no order check), one data block. */
function table(entries: [Uint8Array, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const write = (b: BlockBuilder) => {
    const c = b.finish();
    parts.push(c, blockTrailer(c, 0));
    const h = { offset, size: c.length };
    offset += c.length + 5;
    return h;
  };
  const data = new BlockBuilder(16);
  for (const [k, v] of entries) data.add(k, v);
  const dh = write(data);
  const mh = write(new BlockBuilder(16));
  const index = new BlockBuilder(1);
  const hb = new Uint8Array(20);
  let n = 0;
  for (const v of [dh.offset, dh.size]) {
    let x = v;
    while (x >= 0x80) {
      hb[n++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    hb[n++] = x;
  }
  index.add(new Uint8Array([0xff]), hb.slice(0, n));
  const ih = write(index);
  parts.push(encodeFooter(mh, ih));
  return new Uint8Array(Buffer.concat(parts));
}

/** The index entries of the real fixture, with `edit` applied to the entry of `name`. */
function editEntry(name: string, edit: (e: tensorflow.BundleEntryProto.$Properties) => void): Uint8Array {
  const entries: [Uint8Array, Uint8Array][] = [];
  for (const { key, value } of new TableReader(bytesSource(INDEX)).entries()) {
    if (Buffer.from(key).toString() === name) {
      const e = decodeMessage(tensorflow.BundleEntryProto, value);
      edit(e);
      entries.push([key, encodeMessage(tensorflow.BundleEntryProto, tensorflow.BundleEntryProto.create(e))]);
    } else entries.push([key, value]);
  }
  return table(entries);
}

describe('bad input gives typed errors with file, offset and tensor', () => {
  it('truncated index', () => {
    const e = error(() => open(INDEX.subarray(0, 30)));
    expect(e.code).toBe('TRUNCATED');
    expect(e.path).toBe('model.ckpt.index');
    expect(error(() => open(INDEX.subarray(0, INDEX.length - 1))).code).toBe('BAD_MAGIC');
  });

  it('bad magic', () => {
    const bad = INDEX.slice();
    bad[bad.length - 1]! ^= 1;
    const e = error(() => open(bad));
    expect(e.code).toBe('BAD_MAGIC');
    expect(e.offset).toBe(INDEX.length - 8);
  });

  it('block checksum mismatch', () => {
    const bad = INDEX.slice();
    bad[10]! ^= 0x40;
    const e = error(() => open(bad));
    expect(e.code).toBe('BLOCK_CHECKSUM');
    expect(e.offset).toBe(0);
  });

  it('tensor checksum mismatch names the tensor, the data file and the offset', () => {
    const r = open(INDEX);
    const entry = r.entry('zeta/float32');
    const bad = DATA.slice();
    bad[entry.offset + 5]! ^= 1;
    const e = error(() => open(INDEX, bad).get('zeta/float32'));
    expect(e.code).toBe('TENSOR_CHECKSUM');
    expect(e.tensor).toBe('zeta/float32');
    expect(e.path).toBe('model.ckpt.data-00000-of-00001');
    expect(e.offset).toBe(entry.offset);
    // unverified reads do not check
    const u = new BundleReader(
      { prefix: 'p', index: bytesSource(INDEX), openShard: () => bytesSource(bad) },
      { verifyChecksums: false },
    );
    expect(u.get('zeta/float32').shape).toEqual([3, 4]);
  });

  it('an entry that points past the end of its shard', () => {
    const e = error(() => open(INDEX, DATA.subarray(0, 20)).get('zeta/float32'));
    expect(e.code).toBe('TRUNCATED');
    expect(e.tensor).toBe('zeta/float32');
    const moved = editEntry('int8', (x) => {
      x.offset = 1e12 as never;
    });
    const e2 = error(() => open(moved).get('int8'));
    expect(e2.code).toBe('TRUNCATED');
    expect(e2.offset).toBe(1e12);
  });

  it('a size that does not match dtype x shape', () => {
    const idx = editEntry('int16', (x) => {
      x.size = 6 as never;
    });
    const e = error(() => open(idx).get('int16'));
    expect(e.code).toBe('CORRUPT_ENTRY');
    expect(e.tensor).toBe('int16');
    const huge = editEntry('int16', (x) => {
      x.shape = { dim: [{ size: 1e15 as never }, { size: 1e6 as never }] };
    });
    expect(error(() => open(huge).get('int16')).code).toBe('CORRUPT_ENTRY');
  });

  it('an unknown shard id and a missing shard are reported by name', () => {
    const idx = editEntry('int8', (x) => {
      x.shard_id = 3;
    });
    const e = error(() => open(idx).get('int8'));
    expect(e.code).toBe('CORRUPT_ENTRY');
    expect(e.tensor).toBe('int8');
    const r = new BundleReader({
      prefix: '/x/model.ckpt',
      index: bytesSource(INDEX),
      openShard: () => {
        throw new BundleError('NOT_FOUND', 'no such file', { path: '/x/model.ckpt.data-00000-of-00001' });
      },
    });
    const m = error(() => r.get('int8'));
    expect(m.code).toBe('NOT_FOUND');
    expect(m.path).toBe('/x/model.ckpt.data-00000-of-00001');
    expect(m.message).toMatch(/data shard 0 of 1/);
  });

  it('duplicate or unsorted keys', () => {
    const entries = [...new TableReader(bytesSource(INDEX)).entries()].map(
      (e) => [e.key, e.value] as [Uint8Array, Uint8Array],
    );
    const dup = table([...entries.slice(0, 3), entries[2]!, ...entries.slice(3)]);
    const e = error(() => open(dup));
    expect(e.code).toBe('DUPLICATE_KEY');
    expect(e.path).toBe('model.ckpt.index');
    expect(typeof e.offset).toBe('number');
    const swapped = [...entries];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(error(() => open(table(swapped))).code).toBe('DUPLICATE_KEY');
  });

  it('a missing header entry, bad dtype, bad string data', () => {
    const entries = [...new TableReader(bytesSource(INDEX)).entries()].map(
      (e) => [e.key, e.value] as [Uint8Array, Uint8Array],
    );
    expect(error(() => open(table(entries.slice(1)))).code).toBe('CORRUPT_TABLE');
    const variant = editEntry('int8', (x) => {
      x.dtype = 21;
    });
    expect(error(() => open(variant).get('int8')).code).toBe('UNSUPPORTED');
    const strings = editEntry('string/vector', (x) => {
      x.shape = { dim: [{ size: 5000 as never }] };
    });
    expect(error(() => open(strings).get('string/vector')).code).toBe('CORRUPT_ENTRY');
  });

  it('V1: a table that is not a checkpoint', () => {
    const r = new TableReader(bytesSource(INDEX));
    expect(r.blockCount).toBe(1);
    const e = error(() => new V1Reader('x', [bytesSource(INDEX, 'x')]));
    expect(['CORRUPT_TABLE', 'CORRUPT_DATA']).toContain(e.code);
  });

  it('writes crc-consistent entries so edits above are caught only where intended', () => {
    // sanity: a re-framed copy of the real index reads the same values
    const entries = [...new TableReader(bytesSource(INDEX)).entries()].map(
      (e) => [e.key, e.value] as [Uint8Array, Uint8Array],
    );
    const r = open(table(entries));
    expect(r.names().length).toBe(Object.keys(exp.tensors).length);
    expect(maskCrc(crc32c(new Uint8Array(0)))).toBeTypeOf('number');
  });
});

describe('prefix-compressed keys cannot blow up memory', () => {
  it('a block whose entries each repeat the whole previous key is refused before it allocates much', () => {
    // A 4 KiB first key, then 20,000 entries that share all of the previous key and add one byte: ~5 bytes each on
    // disk, but materialized keys would total ~120 MB.
    const bytes: number[] = [0x00, 0x80, 0x20, 0x00, ...new Array<number>(4096).fill(0x61)];
    const varint = (v: number): number[] => {
      const out: number[] = [];
      while (v >= 0x80) {
        out.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      out.push(v);
      return out;
    };
    for (let i = 0; i < 20000; i++) bytes.push(...varint(4096 + i), 0x01, 0x00, 0x62);
    bytes.push(0, 0, 0, 0, 1, 0, 0, 0); // one restart at 0
    const block = new Uint8Array(bytes);
    const meta = new BlockBuilder(16).finish();
    const index = new BlockBuilder(1);
    const handle = [...varint(0), ...varint(block.length)];
    index.add(new Uint8Array([0xff]), new Uint8Array(handle));
    const indexBytes = index.finish();
    const metaAt = block.length + 5;
    const indexAt = metaAt + meta.length + 5;
    const file = new Uint8Array(
      Buffer.concat([
        block,
        blockTrailer(block, 0),
        meta,
        blockTrailer(meta, 0),
        indexBytes,
        blockTrailer(indexBytes, 0),
        encodeFooter({ offset: metaAt, size: meta.length }, { offset: indexAt, size: indexBytes.length }),
      ]),
    );
    const t = new TableReader(bytesSource(file, 'bomb.index'));
    const e = error(() => [...t.entries()]);
    expect(e.code).toBe('CORRUPT_TABLE');
    expect(e.message).toMatch(/keys expand/);
    expect(e.path).toBe('bomb.index');
  });
});
