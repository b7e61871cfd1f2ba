// The index entries and headers are decoded without protobufjs (src/bundle-proto.ts): on every real TensorFlow index
// the reader must see what protobufjs's generated decoder sees, and on odd wire data it must do what TensorFlow's
// parser does (skip unknown fields and known numbers of another wire type, refuse truncation).
import { readFileSync } from 'node:fs';
import {
  BlockBuilder,
  BundleError,
  BundleReader,
  blockTrailer,
  bytesSource,
  encodeFooter,
  nameToKey,
  TableReader,
} from '@tensorgraft/bundle-io';
import { decodeMessage, encodeMessage, encodeVarint, ProtoError, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { expected, fixture } from './fixtures.js';

const DTYPES = readFileSync(fixture('dtypes', 'model.ckpt.index'));
const DATA = new Uint8Array(readFileSync(fixture('dtypes', 'model.ckpt.data-00000-of-00001')));

/** A protobufjs int64 (a number or a Long, whose toString is its decimal value) as a number. */
const num = (v: unknown): number => Number(String(v ?? 0));

/** Index entries (key as latin1, value) of a real index file. */
function entriesOf(index: Uint8Array): [string, Uint8Array][] {
  return [...new TableReader(bytesSource(index)).entries()].map(({ key, value }) => [
    Buffer.from(key).toString('latin1'),
    value,
  ]);
}

/** A one-block table of `entries` (already in key order). */
function table(entries: [string, Uint8Array][]): Uint8Array {
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
  for (const [k, v] of entries) data.add(Buffer.from(k, 'latin1'), v);
  const dh = write(data);
  const mh = write(new BlockBuilder(16));
  const index = new BlockBuilder(1);
  index.add(new Uint8Array([0xff]), new Uint8Array([...encodeVarint(dh.offset), ...encodeVarint(dh.size)]));
  const ih = write(index);
  parts.push(encodeFooter(mh, ih));
  return new Uint8Array(Buffer.concat(parts));
}

/** The dtypes fixture with the value of `key` ('' is the header) replaced by `edit(value)`. */
function reader(key: string, edit: (value: Uint8Array) => Uint8Array): BundleReader {
  const entries = entriesOf(DTYPES).map(([k, v]): [string, Uint8Array] => [k, k === key ? edit(v) : v]);
  return new BundleReader({
    prefix: 'model.ckpt',
    index: bytesSource(table(entries), 'model.ckpt.index'),
    openShard: () => bytesSource(DATA, 'model.ckpt.data-00000-of-00001'),
  });
}

/** A field's tag: (number << 3) | wire type. */
const tag = (field: number, wire: number) => encodeVarint(field * 8 + wire);
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('index entries decoded without protobufjs', () => {
  const prefixes = ['dtypes', 'saver', 'sharded', 'merge'].map((k) => fixture(k, expected(k).prefix));
  const object = expected<{ cases: Record<string, { prefix: string }> }>('object');
  for (const c of Object.values(object.cases)) prefixes.push(fixture('object', c.prefix));

  it("gives protobufjs's header and entries on every TensorFlow-written index", () => {
    let compared = 0;
    for (const prefix of prefixes) {
      const r = BundleReader.open(prefix);
      try {
        const raw = new Map(entriesOf(readFileSync(`${prefix}.index`)));
        const h = decodeMessage(tensorflow.BundleHeaderProto, raw.get('')!);
        expect(r.header.numShards).toBe(h.num_shards);
        expect(r.header.version.producer).toBe(h.version?.producer ?? 0);
        for (const e of r.entries()) {
          const key = Buffer.from(nameToKey(e.name)).toString('latin1');
          const p = decodeMessage(tensorflow.BundleEntryProto, raw.get(key)!);
          expect(e.dtypeEnum).toBe(p.dtype);
          expect(e.shape).toEqual((p.shape?.dim ?? []).map((d) => num(d.size)));
          expect(e.slices.length).toBe(p.slices.length);
          if (!p.slices.length) {
            expect([e.shardId, e.offset, e.size, e.crc32c]).toEqual([p.shard_id, num(p.offset), num(p.size), p.crc32c]);
          }
          compared++;
        }
      } finally {
        r.close();
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('skips unknown fields and groups, and a known field number sent with another wire type', () => {
    const plain = reader('int8', (v) => v).entry('int8');
    const odd = reader('int8', (v) =>
      cat(
        v,
        tag(99, 0),
        encodeVarint(7),
        tag(98, 2),
        encodeVarint(3),
        new Uint8Array([1, 2, 3]),
        tag(97, 1),
        new Uint8Array(8),
        tag(96, 3),
        tag(1, 0),
        encodeVarint(5),
        tag(96, 4),
        // field 5 (size, a varint) as a length-delimited field: TensorFlow's parser keeps it as an unknown field
        tag(5, 2),
        encodeVarint(2),
        new Uint8Array([0x10, 0x20]),
      ),
    ).entry('int8');
    expect(odd).toEqual(plain);
    expect(odd.size).toBeGreaterThan(0);
  });

  it('reads negative int32s (10-byte varints) and refuses a 64-bit offset beyond 2^53', () => {
    const negative = reader('int8', (v) =>
      cat(v, encodeMessage(tensorflow.BundleEntryProto, tensorflow.BundleEntryProto.create({ shard_id: -3 }))),
    );
    expect(negative.entry('int8').shardId).toBe(-3);
    const far = reader('int8', (v) => cat(v, tag(4, 0), encodeVarint(2n ** 53n + 1n)));
    const e = (() => {
      try {
        far.entry('int8');
      } catch (err) {
        return err as BundleError;
      }
      throw new Error('expected a BundleError');
    })();
    expect(e).toBeInstanceOf(BundleError);
    expect(e.code).toBe('CORRUPT_ENTRY');
    expect(e.message).toContain('offset 9007199254740993 is out of range');
  });

  it('refuses a truncated entry with a ProtoError cause, naming the tensor', () => {
    const r = reader('int8', (v) => v.subarray(0, v.length - 1));
    let err: unknown;
    try {
      r.entry('int8');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BundleError);
    const e = err as BundleError;
    expect(e.code).toBe('CORRUPT_ENTRY');
    expect(e.tensor).toBe('int8');
    expect(e.cause).toBeInstanceOf(ProtoError);
    expect((e.cause as ProtoError).code).toBe('TRUNCATED');
  });

  it('reads bad_consumers packed and unpacked in the header', () => {
    const packed = encodeMessage(
      tensorflow.BundleHeaderProto,
      tensorflow.BundleHeaderProto.create({ num_shards: 1, version: { producer: 1, bad_consumers: [1] } }),
    );
    // num_shards 1, version {producer 1, bad_consumers [bad] as one unpacked varint}
    const unpackedHeader = (bad: number) => {
      const version = cat(tag(1, 0), encodeVarint(1), tag(3, 0), encodeVarint(bad));
      return cat(tag(1, 0), encodeVarint(1), tag(3, 2), encodeVarint(version.length), version);
    };
    const unpacked = unpackedHeader(1);
    for (const header of [packed, unpacked]) {
      let err: unknown;
      try {
        reader('', () => header);
      } catch (e) {
        err = e;
      }
      expect((err as BundleError).code).toBe('UNSUPPORTED');
    }
    expect(reader('', () => unpackedHeader(2)).header.version).toEqual({
      producer: 1,
      minConsumer: 0,
      badConsumers: [2],
    });
  });
});
