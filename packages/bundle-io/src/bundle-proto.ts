// BundleHeaderProto and BundleEntryProto (tensor_bundle.proto, with the VersionDef, TensorShapeProto and
// TensorSliceProto they hold) decoded straight from the wire, so opening a checkpoint loads neither protobufjs nor
// @tensorgraft/proto's generated classes (which take longer to load than `tensorgraft ls` may take in all).
// The result has the shape decodeMessage gives (`$Properties`, snake_case fields); int64 fields are numbers, or
// BigInts beyond 2^53 (safeInt refuses those). As TensorFlow's C++ parser does, a field this schema does not know, or
// a known field number with another wire type, is skipped; malformed wire data throws ProtoError (TRUNCATED, BAD_WIRE)
// with the offset in `bytes`. Field numbers:
//   BundleHeaderProto   1 num_shards int32, 2 endianness enum, 3 version VersionDef
//   VersionDef          1 producer int32, 2 min_consumer int32, 3 bad_consumers repeated int32 (packed or not)
//   BundleEntryProto    1 dtype enum, 2 shape TensorShapeProto, 3 shard_id int32, 4 offset int64, 5 size int64,
//                       6 crc32c fixed32, 7 slices repeated TensorSliceProto
//   TensorShapeProto    2 dim repeated Dim {1 size int64, 2 name string}, 3 unknown_rank bool
//   TensorSliceProto    1 extent repeated Extent {1 start int64, 2 length int64 (oneof has_length)}
import type { tensorflow } from '@tensorgraft/proto';
import { ProtoError, readUint32LE, readVarint64 } from '@tensorgraft/proto/lite';

type Header = tensorflow.BundleHeaderProto.$Properties;
type Entry = tensorflow.BundleEntryProto.$Properties;
type Shape = tensorflow.TensorShapeProto.$Properties;
type Slice = tensorflow.TensorSliceProto.$Properties;
type Version = tensorflow.VersionDef.$Properties;
/** The declared type of int64 fields (protobufjs's Long); here a number or BigInt, which safeInt takes as well. */
type Int64 = NonNullable<Entry['size']>;

/** A cursor over one message's bytes [at, end) of `buf`. */
class Wire {
  at: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  /** Unsigned varint; a number while it is exact (below 2^49 here), else a BigInt. */
  varint(): number | bigint {
    const { buf, at } = this;
    let value = 0;
    // Up to 7 bytes (49 bits) add up exactly as a number: the common case, with no BigInt.
    for (let i = 0; i < 7; i++) {
      if (at + i >= this.end) throw this.fault('TRUNCATED', 'varint runs past the end of the message', at);
      const b = buf[at + i]!;
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        this.at = at + i + 1;
        return value;
      }
    }
    const r = readVarint64(buf.subarray(0, this.end), at);
    this.at = r.next;
    return r.value;
  }

  /** int32 and enums: the low 32 bits, signed (a negative int32 is written as a 10-byte varint). */
  int32(): number {
    const v = this.varint();
    if (typeof v === 'number' && v < 0x80000000) return v;
    return Number(BigInt.asIntN(32, BigInt(v)));
  }

  int64(): number | bigint {
    const v = this.varint();
    if (typeof v === 'number') return v;
    const signed = BigInt.asIntN(64, v);
    return Number.isSafeInteger(Number(signed)) ? Number(signed) : signed;
  }

  /** The bounds of a length-delimited payload, which the cursor then steps over. */
  sub(): Wire {
    const len = this.varint();
    const start = this.at;
    if (typeof len !== 'number' || len > this.end - start) {
      throw this.fault('TRUNCATED', `a field of ${len} bytes runs past the end of the message`, start);
    }
    this.at = start + len;
    return new Wire(this.buf, start, start + len);
  }

  fixed32(): number {
    if (this.at + 4 > this.end) throw this.fault('TRUNCATED', 'fixed32 runs past the end of the message', this.at);
    const v = readUint32LE(this.buf, this.at);
    this.at += 4;
    return v;
  }

  /** Steps over one field of wire type `wire` (its tag already read); groups are skipped whole. */
  skip(wire: number, field: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (this.at + n > this.end) throw this.fault('TRUNCATED', 'a fixed field runs past the end', this.at);
      this.at += n;
    } else if (wire === 2) this.sub();
    else if (wire === 3) {
      for (;;) {
        const [f, w] = this.tag();
        if (w === 4) {
          if (f !== field) throw this.fault('BAD_WIRE', `group ${field} ends as ${f}`, this.at);
          return;
        }
        this.skip(w, f);
      }
    } else throw this.fault('BAD_WIRE', `invalid wire type ${wire}`, this.at);
  }

  /** The next field's number and wire type. */
  tag(): [number, number] {
    const at = this.at;
    const t = this.varint();
    if (typeof t !== 'number' || t > 0xffffffff) throw this.fault('BAD_WIRE', 'field tag out of range', at);
    const field = Math.floor(t / 8);
    if (field === 0) throw this.fault('BAD_WIRE', 'field number 0', at);
    return [field, t % 8];
  }

  more(): boolean {
    return this.at < this.end;
  }

  fault(code: 'TRUNCATED' | 'BAD_WIRE', message: string, offset: number): ProtoError {
    return new ProtoError(code, message, { offset });
  }
}

/** Decodes a fields loop: `read` handles a (field, wire) it knows and returns false for any other, which is skipped. */
function fields(w: Wire, read: (field: number, wire: number) => boolean): void {
  while (w.more()) {
    const [field, wire] = w.tag();
    if (!read(field, wire)) w.skip(wire, field);
  }
}

function decodeVersion(w: Wire): Version {
  const v: Version = {};
  const bad: number[] = [];
  fields(w, (f, wire) => {
    if (f === 1 && wire === 0) v.producer = w.int32();
    else if (f === 2 && wire === 0) v.min_consumer = w.int32();
    else if (f === 3 && wire === 0) bad.push(w.int32());
    else if (f === 3 && wire === 2) {
      const packed = w.sub();
      while (packed.more()) bad.push(packed.int32());
    } else return false;
    return true;
  });
  if (bad.length) v.bad_consumers = bad;
  return v;
}

function decodeShape(w: Wire): Shape {
  const s: Shape = {};
  const dim: { size?: number | bigint }[] = [];
  fields(w, (f, wire) => {
    if (f === 2 && wire === 2) {
      const d: { size?: number | bigint } = {};
      const sub = w.sub();
      fields(sub, (g, gw) => {
        if (g !== 1 || gw !== 0) return false;
        d.size = sub.int64();
        return true;
      });
      dim.push(d);
    } else if (f === 3 && wire === 0) s.unknown_rank = w.varint() !== 0;
    else return false;
    return true;
  });
  if (dim.length) s.dim = dim as unknown as NonNullable<Shape['dim']>;
  return s;
}

function decodeSlice(w: Wire): Slice {
  const extent: { start?: number | bigint; length?: number | bigint }[] = [];
  fields(w, (f, wire) => {
    if (f !== 1 || wire !== 2) return false;
    const e: { start?: number | bigint; length?: number | bigint } = {};
    const sub = w.sub();
    fields(sub, (g, gw) => {
      if (gw !== 0 || (g !== 1 && g !== 2)) return false;
      if (g === 1) e.start = sub.int64();
      else e.length = sub.int64();
      return true;
    });
    extent.push(e);
    return true;
  });
  return (extent.length ? { extent } : {}) as unknown as Slice;
}

/** Decodes a BundleHeaderProto (the value of the index's "" key). */
export function decodeBundleHeader(bytes: Uint8Array): Header {
  const w = new Wire(bytes, 0, bytes.length);
  const h: Header = {};
  fields(w, (f, wire) => {
    if (f === 1 && wire === 0) h.num_shards = w.int32();
    else if (f === 2 && wire === 0) h.endianness = w.int32();
    else if (f === 3 && wire === 2) h.version = decodeVersion(w.sub());
    else return false;
    return true;
  });
  return h;
}

/** Decodes a BundleEntryProto (the value of a tensor's or a slice's key in the index). */
export function decodeBundleEntry(bytes: Uint8Array): Entry {
  const w = new Wire(bytes, 0, bytes.length);
  const e: Entry = {};
  const slices: Slice[] = [];
  fields(w, (f, wire) => {
    if (f === 1 && wire === 0) e.dtype = w.int32();
    else if (f === 2 && wire === 2) e.shape = decodeShape(w.sub());
    else if (f === 3 && wire === 0) e.shard_id = w.int32();
    else if (f === 4 && wire === 0) e.offset = w.int64() as unknown as Int64;
    else if (f === 5 && wire === 0) e.size = w.int64() as unknown as Int64;
    else if (f === 6 && wire === 5) e.crc32c = w.fixed32();
    else if (f === 7 && wire === 2) slices.push(decodeSlice(w.sub()));
    else return false;
    return true;
  });
  if (slices.length) e.slices = slices;
  return e;
}
