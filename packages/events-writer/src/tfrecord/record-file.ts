// Reading the records of a file in chunks, so a file of any size is read with a buffer the size of its largest record
// (at least `chunkSize`), never the whole file. Record layout and the torn-tail / corruption rules: record-reader.ts.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EventsError } from '../errors.js';
import { scanRecords, type TfRecord, type TornTail } from './record-reader.js';

export interface FileRecordsResult {
  /** Set when the file ends inside a record. */
  torn?: TornTail;
}

const DEFAULT_CHUNK = 1 << 20;

/**
 * Yields every record of the file at `path` (the data views are valid until the next record is requested); returns
 * the torn tail, if any. Throws CORRUPT_RECORD at the first bad checksum, NOT_FOUND when the file cannot be read.
 * The file is read up to its size when opened: bytes a writer appends later are left for the next read.
 */
export function* iterateFileRecords(path: string, chunkSize = DEFAULT_CHUNK): Generator<TfRecord, FileRecordsResult> {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch (err) {
    throw new EventsError('NOT_FOUND', `cannot read the event file: ${(err as Error).message}`, { path, cause: err });
  }
  try {
    let buf = new Uint8Array(Math.min(chunkSize, Math.max(size, 1)));
    let bufStart = 0; // file offset of buf[0]
    let bufLen = 0; // valid bytes in buf
    for (;;) {
      const fileLeft = size - (bufStart + bufLen);
      if (fileLeft > 0 && bufLen < buf.length) {
        const n = readSync(fd, buf, bufLen, Math.min(buf.length - bufLen, fileLeft), bufStart + bufLen);
        if (n === 0) size = bufStart + bufLen; // the file shrank under us: what we have is all there is
        bufLen += n;
      }
      const scan = scanRecords(buf.subarray(0, bufLen));
      for (const r of scan.records) yield { offset: bufStart + r.offset, data: r.data };
      if (scan.corrupt) {
        const offset = bufStart + scan.corrupt.offset;
        throw new EventsError('CORRUPT_RECORD', scan.corrupt.message.replace(/offset \d+/, `offset ${offset}`), {
          path,
          offset,
        });
      }
      if (!scan.torn) {
        if (bufStart + bufLen >= size) return {};
        bufStart += bufLen;
        bufLen = 0;
        continue;
      }
      const torn = scan.torn;
      const tornStart = bufStart + torn.offset;
      if (tornStart + torn.needed > size) {
        return { torn: { offset: tornStart, available: size - tornStart, needed: torn.needed } };
      }
      // Keep the partial record and read the rest of it; grow the buffer only to what the file can supply.
      const keep = buf.subarray(torn.offset, bufLen);
      if (torn.needed > buf.length) {
        const bigger = new Uint8Array(torn.needed);
        bigger.set(keep);
        buf = bigger;
      } else {
        buf.copyWithin(0, torn.offset, bufLen);
      }
      bufStart = tornStart;
      bufLen = keep.length;
    }
  } finally {
    closeSync(fd);
  }
}
