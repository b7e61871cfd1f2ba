// BundleHeaderProto and BundleEntryProto encoded straight to the wire (the writer's half of bundle-proto.ts), so a
// writer needs neither protobufjs nor @tensorgraft/proto's generated classes: the browser entry point stays small.
// The bytes are those of the generated encoder (proto3: fields in number order, zero scalars left out, a present
// submessage written even when empty), which test/bundle-proto-encode.test.ts checks on every entry of TensorFlow's
// indexes. Field numbers as in bundle-proto.ts:
//   BundleHeaderProto   1 num_shards int32, 2 endianness enum, 3 version VersionDef
//   VersionDef          1 producer int32, 2 min_consumer int32, 3 bad_consumers repeated int32 (packed)
//   BundleEntryProto    1 dtype enum, 2 shape TensorShapeProto, 3 shard_id int32, 4 offset int64, 5 size int64,
//                       6 crc32c fixed32, 7 slices repeated TensorSliceProto
//   TensorShapeProto    2 dim repeated Dim {1 size int64, 2 name string}, 3 unknown_rank bool
//   TensorSliceProto    1 extent repeated Extent {1 start int64, 2 length int64 (oneof: written whenever set)}
import type { tensorflow } from '@tensorgraft/proto';

type Header = tensorflow.BundleHeaderProto.$Properties;
type Entry = tensorflow.BundleEntryProto.$Properties;
type Shape = tensorflow.TensorShapeProto.$Properties;
type Slice = tensorflow.TensorSliceProto.$Properties;
type Version = tensorflow.VersionDef.$Properties;

const VARINT = 0;
const LENGTH = 2;
const FIXED32 = 5;
const utf8 = new TextEncoder();

/** An int64 as protobufjs hands it over (number, bigint, or a Long with low/high words) as a BigInt. */
function int64(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  const long = v as { low: number; high: number };
  return (BigInt(long.high) << 32n) | BigInt(long.low >>> 0);
}

/** A growing byte list; entries are a few dozen bytes, so a plain array is the simplest fast thing. */
class Out {
  readonly bytes: number[] = [];

  varint(value: number | bigint): void {
    // Negative int32 / int64 values are their 64-bit two's complement (10 bytes), as protobuf writes them.
    let v = typeof value === 'number' && value >= 0 && value <= 0xffffffff ? value : BigInt.asUintN(64, BigInt(value));
    if (typeof v === 'number') {
      while (v >= 0x80) {
        this.bytes.push((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
      }
      this.bytes.push(v);
      return;
    }
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A varint field, left out when zero (proto3). */
  scalar(field: number, value: unknown): void {
    if (value === undefined || value === null) return;
    const v = typeof value === 'number' ? value : int64(value);
    if (v === 0 || v === 0n) return;
    this.tag(field, VARINT);
    this.varint(v);
  }

  message(field: number, inner: Out): void {
    this.tag(field, LENGTH);
    this.varint(inner.bytes.length);
    for (const b of inner.bytes) this.bytes.push(b);
  }
}

function version(v: Version): Out {
  const out = new Out();
  out.scalar(1, v.producer);
  out.scalar(2, v.min_consumer);
  if (v.bad_consumers?.length) {
    const packed = new Out();
    for (const c of v.bad_consumers) packed.varint(c);
    out.message(3, packed);
  }
  return out;
}

function shape(s: Shape): Out {
  const out = new Out();
  for (const d of s.dim ?? []) {
    const dim = new Out();
    dim.scalar(1, d.size);
    if (d.name) {
      const name = utf8.encode(d.name);
      dim.tag(2, LENGTH);
      dim.varint(name.length);
      for (const b of name) dim.bytes.push(b);
    }
    out.message(2, dim);
  }
  if (s.unknown_rank) {
    out.tag(3, VARINT);
    out.varint(1);
  }
  return out;
}

function slice(s: Slice): Out {
  const out = new Out();
  for (const e of s.extent ?? []) {
    const extent = new Out();
    extent.scalar(1, e.start);
    if (e.length !== undefined && e.length !== null) {
      extent.tag(2, VARINT);
      extent.varint(int64(e.length));
    }
    out.message(1, extent);
  }
  return out;
}

/** The wire bytes of a BundleHeaderProto (the value of the index's "" key). */
export function encodeBundleHeader(h: Header): Uint8Array {
  const out = new Out();
  out.scalar(1, h.num_shards);
  out.scalar(2, h.endianness);
  if (h.version) out.message(3, version(h.version));
  return Uint8Array.from(out.bytes);
}

/** The wire bytes of a BundleEntryProto (the value of a tensor's or a slice's key). */
export function encodeBundleEntry(e: Entry): Uint8Array {
  const out = new Out();
  out.scalar(1, e.dtype);
  if (e.shape) out.message(2, shape(e.shape));
  out.scalar(3, e.shard_id);
  out.scalar(4, e.offset);
  out.scalar(5, e.size);
  if (e.crc32c) {
    out.tag(6, FIXED32);
    const c = e.crc32c >>> 0;
    out.bytes.push(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24);
  }
  for (const s of e.slices ?? []) out.message(7, slice(s));
  return Uint8Array.from(out.bytes);
}
