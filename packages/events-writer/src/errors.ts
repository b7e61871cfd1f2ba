import { escapeControls } from '@tensorgraft/proto';

/** Every way writing or reading event files can fail; one code per failure kind. */
export type EventsErrorCode =
  | 'TRUNCATED_RECORD' // a record is cut short at the end of the file (a torn tail, e.g. a file still being written)
  | 'CORRUPT_RECORD' // a record's length or data does not match its masked CRC32C
  | 'BAD_EVENT' // a record's bytes are not a valid tensorflow.Event
  | 'NOT_FOUND' // no such file or directory, or a directory with no event files
  | 'INVALID_TAG' // a tag TensorBoard would reject, or one already used for another kind of summary
  | 'INVALID_VALUE' // a value of the wrong type or shape, an image whose size does not match its data
  | 'INVALID_OPTION' // a writer option out of range
  | 'UNWRITABLE_LOGDIR' // the log directory cannot be created or written
  | 'WRITE_FAILED' // appending to the event file failed (no space, file or directory removed, I/O error)
  | 'CLOSED'; // the writer was closed

export interface EventsErrorDetails {
  /** The event file or log directory. */
  path?: string | undefined;
  /** Byte offset in the event file. */
  offset?: number | undefined;
  /** The summary tag involved. */
  tag?: string | undefined;
  cause?: unknown;
}

/** The one error class of @tensorgraft/events-writer. */
export class EventsError extends Error {
  override readonly name = 'EventsError';
  readonly code: EventsErrorCode;
  readonly path: string | undefined;
  readonly offset: number | undefined;
  readonly tag: string | undefined;

  constructor(code: EventsErrorCode, message: string, details: EventsErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.offset = details.offset;
    this.tag = details.tag;
  }
}

function formatMessage(message: string, d: EventsErrorDetails): string {
  const where: string[] = [];
  if (d.tag !== undefined) where.push(`tag ${JSON.stringify(d.tag)}`);
  if (d.path !== undefined) where.push(d.path);
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  // One inert line whatever the input held (names and tokens may carry NULs and escape sequences).
  return escapeControls(where.length ? `${message} (${where.join(', ')})` : message);
}
