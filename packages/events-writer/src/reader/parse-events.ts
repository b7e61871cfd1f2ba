// Decoding the events of an event file's bytes (TFRecords each holding one tensorflow.Event), with no Node built-in:
// shared by the Node reader (event-file.ts) and the browser entry point.
import { decodeMessage, tensorflow } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import { type RecordScan, scanRecords, type TornTail } from '../tfrecord/record-reader.js';

export interface EventRecord {
  /** Offset of the event's record in the file. */
  offset: number;
  event: tensorflow.Event.$Properties;
}

export interface EventFileContents {
  path: string;
  events: EventRecord[];
  /** Set when the file ends inside a record (still being written, or cut off). */
  torn?: TornTail;
}

/** Decodes every event in `bytes`; throws CORRUPT_RECORD or BAD_EVENT at the first bad record. */
export function parseEvents(bytes: Uint8Array, path = '<bytes>'): EventFileContents {
  const scan: RecordScan = scanRecords(bytes);
  if (scan.corrupt) {
    throw new EventsError('CORRUPT_RECORD', scan.corrupt.message, { path, offset: scan.corrupt.offset });
  }
  const events: EventRecord[] = scan.records.map(({ offset, data }) => decodeEvent(data, path, offset));
  const out: EventFileContents = { path, events };
  if (scan.torn) out.torn = scan.torn;
  return out;
}

export function decodeEvent(data: Uint8Array, path: string, offset: number): EventRecord {
  try {
    return { offset, event: decodeMessage(tensorflow.Event, data, { path }) };
  } catch (err) {
    throw new EventsError('BAD_EVENT', `record is not a tensorflow.Event: ${(err as Error).message}`, {
      path,
      offset,
      cause: err,
    });
  }
}
