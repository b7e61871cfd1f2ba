// Reading event files: TFRecords (see tfrecord/record-reader.ts) each holding one tensorflow.Event. A torn tail is
// reported, not thrown (a live writer may be mid-record); a bad checksum or an undecodable event is an error.
import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { EventsError } from '../errors.js';
import { iterateFileRecords } from '../tfrecord/record-file.js';
import type { TornTail } from '../tfrecord/record-reader.js';
import { decodeEvent, type EventFileContents, type EventRecord } from './parse-events.js';

export { decodeEvent, type EventFileContents, type EventRecord, parseEvents } from './parse-events.js';

/**
 * The events of one file, read in chunks (memory bounded by the largest record, not the file); returns the torn
 * tail, if any. Throws CORRUPT_RECORD, BAD_EVENT or NOT_FOUND.
 */
export function* iterateEventFile(path: string): Generator<EventRecord, { torn?: TornTail }> {
  const records = iterateFileRecords(path);
  try {
    for (;;) {
      const next = records.next();
      if (next.done) return next.value;
      // A copy: decoded bytes fields are views into their input, and the chunk buffer is reused.
      yield decodeEvent(next.value.data.slice(), path, next.value.offset);
    }
  } finally {
    // A BAD_EVENT or the caller leaving the loop early stops this generator: finish the file reader too, which
    // closes the file (its own finally).
    records.return({});
  }
}

/** Reads and decodes one event file. */
export function readEventFile(path: string): EventFileContents {
  const events: EventRecord[] = [];
  const it = iterateEventFile(path);
  try {
    for (;;) {
      const next = it.next();
      if (next.done) {
        const out: EventFileContents = { path, events };
        if (next.value.torn) out.torn = next.value.torn;
        return out;
      }
      events.push(next.value);
    }
  } finally {
    it.return({});
  }
}

export interface EventFileEntry {
  /** The run: the file's directory relative to the log directory ("." for the log directory itself). */
  run: string;
  path: string;
}

/** TensorBoard's rule: any file whose base name contains "tfevents". */
export function isEventFileName(name: string): boolean {
  return basename(name).includes('tfevents');
}

/** Every event file under `logdir` (recursively), sorted by run and then by name (which sorts by creation time). */
export function findEventFiles(logdir: string): EventFileEntry[] {
  const root = resolve(logdir);
  const out: EventFileEntry[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 64) return; // symlink loops
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      throw new EventsError('NOT_FOUND', `cannot list the directory: ${(err as Error).message}`, {
        path: dir,
        cause: err,
      });
    }
    for (const name of names.sort()) {
      const full = join(dir, name);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(full);
      } catch {
        continue; // vanished or a dangling link
      }
      if (st.isDirectory()) walk(full, depth + 1);
      else if (st.isFile() && isEventFileName(name)) {
        const rel = relative(root, dir);
        out.push({ run: rel === '' ? '.' : rel.split(sep).join('/'), path: full });
      }
    }
  };
  walk(root, 0);
  out.sort((a, b) => (a.run === b.run ? (a.path < b.path ? -1 : 1) : a.run < b.run ? -1 : 1));
  return out;
}

/** The event files a path names: the file itself, or every event file under a directory. */
export function eventFilesAt(path: string): EventFileEntry[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    throw new EventsError('NOT_FOUND', `no such file or directory: ${(err as Error).message}`, { path, cause: err });
  }
  if (st.isDirectory()) {
    const files = findEventFiles(path);
    if (files.length === 0)
      throw new EventsError('NOT_FOUND', 'no event files (names containing "tfevents")', { path });
    return files;
  }
  return [{ run: '.', path: resolve(path) }];
}

export interface LogdirEvent extends EventRecord {
  run: string;
  path: string;
}

/** Every event of a file or log directory, file by file, in file order, read in chunks. Torn tails are skipped. */
export function* iterateEvents(path: string): Generator<LogdirEvent> {
  for (const file of eventFilesAt(path)) {
    for (const e of iterateEventFile(file.path))
      yield { run: file.run, path: file.path, offset: e.offset, event: e.event };
  }
}
