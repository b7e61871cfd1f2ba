// The append side of a SummaryWriter whose logdir is an object store location (s3://, mem://; through bundle-io's
// storage seam). Objects cannot be appended to, so the whole event file is kept in memory and uploaded as one object
// (one PUT, or a multipart upload when big) on flush(), on close(), and every flushMillis when new events came: the
// object is always a complete TFRecord file, each upload replacing the last. Events since the last upload are lost
// if the process dies without close() (no synchronous exit hook can upload).
import { resolveStore } from '@tensorgraft/bundle-io';
import { EventsError } from '../errors.js';
import { frameRecord } from '../tfrecord/record-writer.js';
import type { SinkOptions } from './file-sink.js';

export class ObjectEventSink {
  readonly path: string;
  private readonly records: Uint8Array[] = [];
  private uploaded = 0;
  private uploading: Promise<void> | undefined;
  private failure: EventsError | undefined;
  private closing = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(location: string, options: SinkOptions) {
    this.path = location;
    resolveStore(location); // a typed error now for a scheme nobody serves
    this.timer = setInterval(
      () => {
        if (!this.uploading && this.records.length > this.uploaded) void this.upload().catch(() => {});
      },
      Math.max(options.flushMillis, 1000),
    );
    this.timer.unref();
  }

  check(tag?: string): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new EventsError('CLOSED', 'the writer is closed', { path: this.path, tag });
  }

  append(event: Uint8Array): void {
    this.check();
    this.records.push(frameRecord(event));
  }

  async flush(): Promise<void> {
    while (this.uploading) await this.uploading.catch(() => {});
    if (this.failure) throw this.failure;
    if (this.records.length > this.uploaded) await this.upload();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.flush();
  }

  get isClosed(): boolean {
    return this.closing;
  }

  private upload(): Promise<void> {
    const count = this.records.length;
    const run = async () => {
      try {
        const sink = await resolveStore(this.path).create(this.path);
        try {
          for (const r of this.records.slice(0, count)) await sink.write(r);
          await sink.commit();
        } catch (err) {
          await sink.abort();
          throw err;
        }
        this.uploaded = count;
      } catch (err) {
        this.failure ??= new EventsError('WRITE_FAILED', `cannot upload the event file: ${(err as Error).message}`, {
          path: this.path,
          cause: err,
        });
        clearInterval(this.timer);
        throw this.failure;
      } finally {
        this.uploading = undefined;
      }
    };
    this.uploading = run();
    return this.uploading;
  }
}
