// The append side of a SummaryWriter: encoded events wait in a queue on the caller's side; batches are framed as
// TFRecords into one buffer and written in the background with positional fs.write (the file is ours alone, opened
// with O_EXCL, so every batch has a known offset).
//
// Invariants:
// - `position` is where the next batch goes; batches are assigned offsets in queue order, so the file is the events
//   in call order.
// - At most one asynchronous write is in flight (`inflight`). When the queue fills while one is in flight (a caller in
//   a tight loop never yields, so its callback cannot run), the batch is written synchronously instead, after
//   rewriting the in-flight bytes synchronously too (same bytes, same offset: idempotent), so no reader ever sees a
//   hole before the synchronous batch. Memory stays bounded by one in-flight batch plus one queue.
// - On process 'exit' every sink still open writes what it holds synchronously (the in-flight batch again, then the
//   queue): a normal exit without close() loses nothing.
// - The first write error is kept and thrown by every later call, by flush() and by close(); it is never swallowed.
//   A file whose last link is gone (its directory was removed) counts as a write error: Linux accepts writes to it.
import { close, fstat, fstatSync, openSync, write, writeSync } from 'node:fs';
import { EventsError } from '../errors.js';
import { RECORD_OVERHEAD, writeRecord } from '../tfrecord/record-writer.js';

export interface SinkOptions {
  flushMillis: number;
  maxQueue: number;
  /** Queue bytes that also trigger a write (large images). */
  maxQueueBytes: number;
}

interface Inflight {
  buf: Uint8Array;
  position: number;
  /** Set once the same bytes were also written synchronously. */
  rewritten: boolean;
  done: Promise<void>;
}

const open = new Set<EventFileSink>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const sink of open) sink.flushAtExit();
  });
}

export class EventFileSink {
  readonly path: string;
  private readonly fd: number;
  private readonly options: SinkOptions;
  private position = 0;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private inflight: Inflight | undefined;
  private failure: EventsError | undefined;
  private closed = false;
  /** Set when close() starts: later calls throw CLOSED even while the last flush runs. */
  private closing = false;
  private closedPromise: Promise<void> | undefined;
  private readonly timer: ReturnType<typeof setInterval>;

  /** Creates `path` (which must not exist: EEXIST is thrown as the raw Node error for the caller to retry). */
  constructor(path: string, options: SinkOptions) {
    this.path = path;
    this.options = options;
    this.fd = openSync(path, 'wx');
    this.timer = setInterval(() => {
      if (!this.inflight && this.queue.length > 0 && !this.failure) this.startWrite();
    }, options.flushMillis);
    // The timer must not keep the process alive; the exit hook writes what is left.
    this.timer.unref();
    open.add(this);
    installExitHook();
  }

  /** Throws the kept write error, or CLOSED. */
  check(tag?: string): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new EventsError('CLOSED', 'the writer is closed', { path: this.path, tag });
  }

  /** Queues one encoded event. */
  append(event: Uint8Array): void {
    this.check();
    this.queue.push(event);
    this.queuedBytes += event.length + RECORD_OVERHEAD;
    if (this.queue.length >= this.options.maxQueue || this.queuedBytes >= this.options.maxQueueBytes) {
      if (this.inflight) this.writeNowSync();
      else this.startWrite();
      if (this.failure) throw this.failure;
    }
  }

  /** Resolves once everything queued before the call is in the file; rejects with the write error if any. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.inflight) await this.inflight.done;
      else if (this.queue.length > 0) this.startWrite();
      else return;
    }
  }

  /** Flushes, closes the file and stops the timer; rejects with the write error if one happened. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) {
      await this.closedPromise;
      if (this.failure) throw this.failure;
      return;
    }
    this.closing = true;
    let done!: () => void;
    this.closedPromise = new Promise<void>((r) => {
      done = r;
    });
    try {
      await this.flush();
    } finally {
      // Never close the fd under a write still in flight (after a failure flush() returns early): the number could
      // be reused by another open file before that write lands.
      while (this.inflight) await this.inflight.done;
      this.closed = true;
      clearInterval(this.timer);
      open.delete(this);
      await new Promise<void>((resolve) => close(this.fd, () => resolve()));
      done();
    }
  }

  get isClosed(): boolean {
    return this.closing;
  }

  /** Synchronous last write at process exit. */
  flushAtExit(): void {
    if (this.closed || this.failure) return;
    try {
      if (this.inflight && !this.inflight.rewritten) writeFully(this.fd, this.inflight.buf, this.inflight.position);
      const batch = this.takeBatch();
      if (batch) writeFully(this.fd, batch.buf, batch.position);
    } catch {
      // Nothing can report an error once the process is exiting.
    }
  }

  /** Frames the whole queue into one buffer at the next offset. */
  private takeBatch(): { buf: Uint8Array; position: number } | undefined {
    if (this.queue.length === 0) return undefined;
    const buf = new Uint8Array(this.queuedBytes);
    let offset = 0;
    for (const event of this.queue) offset = writeRecord(buf, offset, event);
    this.queue = [];
    this.queuedBytes = 0;
    const position = this.position;
    this.position += buf.length;
    return { buf, position };
  }

  private startWrite(): void {
    const batch = this.takeBatch();
    if (!batch) return;
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const inflight: Inflight = { ...batch, rewritten: false, done };
    this.inflight = inflight;
    const finish = (err: NodeJS.ErrnoException | null) => {
      if (err) this.fail(err);
      if (this.inflight === inflight) this.inflight = undefined;
      resolve();
    };
    const step = (written: number) => {
      if (written >= batch.buf.length) {
        // A file with no links left accepts writes on Linux and is lost: that is an error too.
        fstat(this.fd, (err, stats) => finish(err ?? (stats.nlink === 0 ? removedError() : null)));
        return;
      }
      write(this.fd, batch.buf, written, batch.buf.length - written, batch.position + written, (err, n) =>
        err ? finish(err) : step(written + n),
      );
    };
    step(0);
  }

  private writeNowSync(): void {
    try {
      const inflight = this.inflight;
      if (inflight && !inflight.rewritten) {
        writeFully(this.fd, inflight.buf, inflight.position);
        inflight.rewritten = true;
      }
      const batch = this.takeBatch();
      if (batch) writeFully(this.fd, batch.buf, batch.position);
      if (fstatSync(this.fd).nlink === 0) throw removedError();
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.failure) return;
    const what =
      err.code === 'FILE_REMOVED' ? 'the event file was removed' : `cannot write the event file: ${err.message}`;
    this.failure = new EventsError('WRITE_FAILED', what, { path: this.path, offset: this.position, cause: err });
    // What is queued can no longer be placed after a failed batch; drop it and stop trying.
    this.queue = [];
    this.queuedBytes = 0;
    clearInterval(this.timer);
  }
}

function removedError(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('the event file has no link left (its directory was removed)');
  err.code = 'FILE_REMOVED';
  return err;
}

function writeFully(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}
