// TFRecord framing (tensorflow core/lib/io/record_writer.cc), one record:
//   uint64 LE  length of data
//   uint32 LE  masked CRC32C of those 8 length bytes
//   bytes      data
//   uint32 LE  masked CRC32C of data
// No file header, no padding between records. Event files are uncompressed TFRecord streams.
import { maskedCrc32c, writeUint32LE } from '@tensorgraft/proto';

/** Bytes a record adds around its data: 8 length + 4 + 4 checksums. */
export const RECORD_OVERHEAD = 16;

/** Writes one framed record of `data` into `out` at `offset`; returns the offset after it. */
export function writeRecord(out: Uint8Array, offset: number, data: Uint8Array): number {
  const length = data.length;
  // The length as two little-endian words keeps it off BigInt (records are far below 2^53 bytes).
  writeUint32LE(out, offset, length >>> 0);
  writeUint32LE(out, offset + 4, Math.floor(length / 0x1_0000_0000));
  writeUint32LE(out, offset + 8, maskedCrc32c(out.subarray(offset, offset + 8)));
  out.set(data, offset + 12);
  writeUint32LE(out, offset + 12 + length, maskedCrc32c(data));
  return offset + RECORD_OVERHEAD + length;
}

/** One framed record of `data`, in a fresh buffer. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + RECORD_OVERHEAD);
  writeRecord(out, 0, data);
  return out;
}

/** Several records framed back to back, in one buffer. */
export function frameRecords(records: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const r of records) total += r.length + RECORD_OVERHEAD;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const r of records) offset = writeRecord(out, offset, r);
  return out;
}
