// Writing a V2 checkpoint through the storage seam, with no Node built-in: to memory (mem://, then handed over as
// Blobs, checkpoint-blobs.ts), to s3://, or any writable store, from a browser as from Node. The bytes are BundleWriter's
// (both append and index through bundle-entries.ts); the data object is streamed as tensors arrive and completed
// first, then the index, so a reader never finds an index whose data is missing. (BundleWriter is the Node writer: local
// files renamed into place, addAsync overlapping disk writes with checksums.)
// zod/mini with English messages: the classic zod would add ~450 KB (minified) to a page's bundle, this ~20 KB.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { BundleEntries, finishStreamed, type SinkFactory, storeSink } from './bundle-entries.js';
import { BundleError } from './errors.js';
import { dataFilename } from './naming.js';
import { StreamSink } from './stream-sink.js';
import type { SliceExtent, Tensor } from './tensor.js';

/** TensorFlow's data_alignment: pad after each tensor so the next starts at a multiple of this (default 1). */
export const DataAlignment = z.optional(z.number().check(z.int(), z.gte(1), z.lte(1 << 20)));

export const AsyncWriteOptionsSchema = z.strictObject({ dataAlignment: DataAlignment });

export type AsyncWriteOptions = z.infer<typeof AsyncWriteOptionsSchema>;

const english = en().localeError;

/** Options checked with `schema`; a BundleError INVALID_ARGUMENT naming `what` and each bad field otherwise. */
export function checkOptions<T>(schema: z.ZodMiniType<T>, options: unknown, what: string): T {
  const parsed = schema.safeParse(options ?? {}, { error: english });
  if (!parsed.success) throw new BundleError('INVALID_ARGUMENT', `bad ${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A V2 checkpoint written to any writable store (mem://, s3://, ...), in any runtime: add tensors, then finish(). */
export class AsyncBundleWriter {
  private state: 'open' | 'finished' | 'aborted' = 'open';

  private constructor(
    readonly prefix: string,
    private readonly data: StreamSink,
    private readonly index: BundleEntries,
    private readonly createSink: SinkFactory,
  ) {}

  /**
   * A writer of the checkpoint `location` (a prefix: `mem://run/model.ckpt`, `s3://bucket/run/model.ckpt`, ...);
   * UNSUPPORTED when no writable store serves it (http(s):// is read-only; local paths need the Node entry point).
   */
  static async create(location: string, options: AsyncWriteOptions = {}): Promise<AsyncBundleWriter> {
    return AsyncBundleWriter.withSinks(location, options, storeSink);
  }

  /** A writer whose two objects are opened by `createSink` (saveCheckpointToBlobs writes Blobs this way). */
  static async withSinks(
    location: string,
    options: AsyncWriteOptions,
    createSink: SinkFactory,
  ): Promise<AsyncBundleWriter> {
    const { dataAlignment } = checkOptions(AsyncWriteOptionsSchema, options, 'checkpoint write options');
    const data = new StreamSink(await createSink(dataFilename(location, 0, 1)));
    return new AsyncBundleWriter(location, data, new BundleEntries(location, dataAlignment ?? 1), createSink);
  }

  /** Bytes written to the data file so far. */
  get dataSize(): number {
    return this.data.offset;
  }

  /** Appends a whole tensor under `name` (its bytes are copied at once: the tensor may change after the call). */
  add(name: string, tensor: Tensor): void {
    this.checkOpen(name);
    this.index.add(this.data, name, tensor);
  }

  /** Appends one slice of the partitioned tensor `name` (as BundleWriter.addSlice). */
  addSlice(name: string, fullShape: number[], extents: SliceExtent[], tensor: Tensor): void {
    this.checkOpen(name);
    this.index.addSlice(this.data, name, fullShape, extents, tensor);
  }

  /** Completes the data object, then writes and completes the index; a failure leaves no index. */
  async finish(): Promise<void> {
    this.checkOpen();
    this.state = 'finished';
    await finishStreamed(this.data, this.index, this.createSink);
  }

  /** Drops the unfinished data object (nothing a reader would take for a checkpoint is left). */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.data.abort();
  }

  private checkOpen(tensor?: string): void {
    if (this.state !== 'open')
      throw new BundleError('INVALID_ARGUMENT', `writer already ${this.state}`, { path: this.prefix, tensor });
  }
}
