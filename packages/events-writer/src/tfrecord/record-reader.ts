// TFRecord reading (tensorflow core/lib/io/record_reader.cc). Layout per record, see record-writer.ts:
//   uint64 LE length | uint32 LE mcrc(length bytes) | data | uint32 LE mcrc(data)
// A record cut short by the end of the input is a torn tail (a writer may still be appending: TensorBoard waits for
// more bytes); a checksum that does not match is corruption (TensorBoard gives up on the file). Both stop the scan:
// nothing after a bad length can be trusted to be a record boundary.
import { maskedCrc32c, readUint32LE, readUint64LE } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import { RECORD_OVERHEAD } from './record-writer.js';

export interface TfRecord {
  /** Offset of the record's first header byte. */
  offset: number;
  /** The record's data (a view into the input). */
  data: Uint8Array;
}

export interface TornTail {
  /** Offset where the incomplete record starts. */
  offset: number;
  /** Bytes present from that offset. */
  available: number;
  /** Bytes the record needs (12 while even its header is incomplete). */
  needed: number;
}

export interface Corruption {
  offset: number;
  reason: 'length-crc' | 'data-crc';
  message: string;
}

export interface RecordScan {
  /** Every complete record with good checksums, in file order, up to the first problem. */
  records: TfRecord[];
  /** Offset just past the last good record: where a reader resumes. */
  end: number;
  /** Set when the input ends inside a record. */
  torn?: TornTail;
  /** Set when a checksum does not match; the scan stops there. */
  corrupt?: Corruption;
}

/** Splits `bytes` into records. Never throws on bad input: problems are reported in the result. */
export function scanRecords(bytes: Uint8Array): RecordScan {
  const records: TfRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const available = bytes.length - offset;
    if (available < 12) return { records, end: offset, torn: { offset, available, needed: 12 } };
    const lengthCrc = readUint32LE(bytes, offset + 8);
    if (maskedCrc32c(bytes.subarray(offset, offset + 8)) !== lengthCrc) {
      return { records, end: offset, corrupt: corruption(offset, 'length-crc') };
    }
    const length = readUint64LE(bytes, offset);
    // Compare as BigInt: a checksummed length can still exceed what this input holds (a torn tail).
    if (length + BigInt(RECORD_OVERHEAD) > BigInt(available)) {
      const needed = length + BigInt(RECORD_OVERHEAD);
      return {
        records,
        end: offset,
        torn: {
          offset,
          available,
          needed: needed > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(needed),
        },
      };
    }
    const n = Number(length);
    const data = bytes.subarray(offset + 12, offset + 12 + n);
    if (maskedCrc32c(data) !== readUint32LE(bytes, offset + 12 + n)) {
      return { records, end: offset, corrupt: corruption(offset, 'data-crc') };
    }
    records.push({ offset, data });
    offset += RECORD_OVERHEAD + n;
  }
  return { records, end: offset };
}

function corruption(offset: number, reason: Corruption['reason']): Corruption {
  const what = reason === 'length-crc' ? "the length's" : "the data's";
  return { offset, reason, message: `corrupted record at offset ${offset}: ${what} masked CRC32C does not match` };
}

export interface ReadRecordsOptions {
  /** File name for errors. */
  path?: string;
  /** Throw TRUNCATED_RECORD for a torn tail instead of ignoring it (default false: a live file may be mid-write). */
  strict?: boolean;
}

/** The records of `bytes`; throws EventsError CORRUPT_RECORD (or TRUNCATED_RECORD when strict) at the first problem. */
export function readRecords(bytes: Uint8Array, options: ReadRecordsOptions = {}): TfRecord[] {
  const scan = scanRecords(bytes);
  if (scan.corrupt) {
    throw new EventsError('CORRUPT_RECORD', scan.corrupt.message, { path: options.path, offset: scan.corrupt.offset });
  }
  if (scan.torn && options.strict) {
    const t = scan.torn;
    throw new EventsError('TRUNCATED_RECORD', `truncated record: ${t.available} of ${t.needed} bytes present`, {
      path: options.path,
      offset: t.offset,
    });
  }
  return scan.records;
}
