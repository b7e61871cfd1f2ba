// Reading a V2 checkpoint through the storage seam (any AsyncByteSource: a local file, memory, an S3 object, an HTTP
// URL). Opening reads the index's footer, then the index; get(name) reads only that tensor's bytes; getAll keeps
// several ranged reads in flight. All decoding and checking is BundleCore's (shared with the sync BundleReader): the
// data shards are ByteSources whose async reads go to the store, and whose sync reads (strings, partitioned tensors)
// are served from ranges fetched just before. No Node built-ins here.
import { BundleCore, type BundleEntry, type ReadOptions } from './bundle-core.js';
import { BundleError } from './errors.js';
import { type ByteSource, bytesSource } from './memory-source.js';
import { dataFilename, indexFilename } from './naming.js';
import { resolveStore } from './storage/resolve.js';
import type { AsyncByteSource } from './storage/types.js';
import { FOOTER_SIZE } from './table/format.js';
import type { Tensor } from './tensor.js';

export interface AsyncReadOptions extends ReadOptions {
  /** Reads in flight in getAll (default: what the store prefers, e.g. S3Options.readConcurrency; else 8). */
  concurrency?: number;
  /** Bytes per ranged read in getAll (default: what the store prefers, e.g. S3Options.readRangeBytes; else 16 MiB). */
  chunkBytes?: number;
}

/** A data shard as BundleCore sees it: async reads go to the store, sync reads come from prefetched ranges. */
class ShardSource implements ByteSource {
  private readonly fetched: { offset: number; bytes: Uint8Array }[] = [];

  constructor(readonly remote: AsyncByteSource) {}

  get path(): string {
    return this.remote.location;
  }
  get size(): number {
    return this.remote.size;
  }
  get bytesRead(): number {
    return this.remote.bytesRead;
  }

  async prefetch(offset: number, size: number): Promise<void> {
    if (offset < 0 || size < 0 || offset + size > this.remote.size) return; // BundleCore reports the bad entry
    this.fetched.push({ offset, bytes: await this.remote.read(offset, size) });
  }

  forget(): void {
    this.fetched.length = 0;
  }

  readInto(offset: number, target: Uint8Array): void {
    const hit = this.fetched.find((f) => offset >= f.offset && offset + target.length <= f.offset + f.bytes.length);
    if (!hit) {
      throw new BundleError('IO', `range ${offset}+${target.length} was not fetched`, { path: this.path, offset });
    }
    target.set(hit.bytes.subarray(offset - hit.offset, offset - hit.offset + target.length));
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out);
    return out;
  }

  readIntoAsync(offset: number, target: Uint8Array): Promise<void> {
    if (this.remote.readInto) return this.remote.readInto(offset, target);
    return this.remote.read(offset, target.length).then((b) => target.set(b));
  }

  readIntoScatteredAsync(offset: number, targets: readonly Uint8Array[]): Promise<void> {
    if (this.remote.readIntoScattered) return this.remote.readIntoScattered(offset, targets);
    const reads: Promise<void>[] = [];
    let at = offset;
    for (const t of targets) {
      reads.push(this.readIntoAsync(at, t));
      at += t.length;
    }
    return Promise.all(reads).then(() => undefined);
  }

  close(): void {
    void this.remote.close();
  }
}

export class AsyncBundleReader {
  readonly format = 'v2' as const;
  private readonly shards = new Map<number, Promise<ShardSource | undefined>>();
  private readonly opened: ShardSource[] = [];

  private constructor(
    readonly prefix: string,
    private readonly core: BundleCore,
    private readonly index: AsyncByteSource,
    private readonly options: AsyncReadOptions,
    private readonly shardSources: Map<number, ShardSource>,
  ) {}

  /** Opens `<prefix>.index` at any location a store serves; data shards are opened when first needed. */
  static async open(prefix: string, options: AsyncReadOptions = {}): Promise<AsyncBundleReader> {
    const store = resolveStore(prefix);
    const index = await store.open(indexFilename(prefix));
    try {
      if (index.size < FOOTER_SIZE) {
        throw new BundleError('TRUNCATED', `index of ${index.size} bytes has no table footer`, {
          path: index.location,
        });
      }
      // The footer first (it says where the index block ends), then everything before it in one read: the
      // TableReader then walks blocks in memory.
      const footer = await index.read(index.size - FOOTER_SIZE, FOOTER_SIZE);
      const body = await index.read(0, index.size - FOOTER_SIZE);
      const all = new Uint8Array(index.size);
      all.set(body);
      all.set(footer, body.length);
      const shardSources = new Map<number, ShardSource>();
      const core = new BundleCore(
        {
          prefix,
          index: bytesSource(all, index.location),
          openShard: (s) => {
            const src = shardSources.get(s);
            if (!src) throw new BundleError('IO', `data shard ${s} was not opened`, { path: prefix });
            return src;
          },
        },
        options,
      );
      return new AsyncBundleReader(prefix, core, index, options, shardSources);
    } catch (err) {
      await index.close();
      throw err;
    }
  }

  get header() {
    return this.core.header;
  }

  /** Tensor names in index order. */
  keys(): string[] {
    return this.core.names();
  }

  has(name: string): boolean {
    return this.core.has(name);
  }

  /** Every tensor's index entry, in name order (from the index alone). */
  entries(): BundleEntry[] {
    return this.core.entries();
  }

  entry(name: string): BundleEntry {
    return this.core.entry(name);
  }

  /** Reads one tensor: only its bytes are fetched. */
  async get(name: string): Promise<Tensor> {
    const plan = this.core.byteRanges(name);
    await this.ensureShards(plan.ranges.map((r) => r.shardId));
    if (!plan.sync) return this.core.getAsync(name);
    await Promise.all(plan.ranges.map(async (r) => (await this.shard(r.shardId))?.prefetch(r.offset, r.size)));
    try {
      return this.core.get(name);
    } finally {
      for (const s of this.shardSources.values()) s.forget();
    }
  }

  /** Reads several tensors (default: all) with several ranged reads in flight; returns them by name. */
  async getAll(names: readonly string[] = this.core.names()): Promise<Map<string, Tensor>> {
    const plans = names.map((n) => this.core.byteRanges(n));
    await this.ensureShards(plans.flatMap((p) => p.ranges.map((r) => r.shardId)));
    const prefetch = plans.flatMap((p) => (p.sync ? p.ranges : []));
    await Promise.all(prefetch.map(async (r) => (await this.shard(r.shardId))?.prefetch(r.offset, r.size)));
    const preferred = this.opened.find((s) => s.remote.preferredReads)?.remote.preferredReads;
    try {
      return await this.core.getAll(names, {
        concurrency: this.options.concurrency ?? preferred?.concurrency ?? 8,
        chunkBytes: this.options.chunkBytes ?? preferred?.rangeBytes ?? 16 << 20,
      });
    } finally {
      for (const s of this.shardSources.values()) s.forget();
    }
  }

  /** Total bytes transferred from the index and data objects so far. */
  get bytesRead(): number {
    let n = this.index.bytesRead;
    for (const s of this.opened) n += s.bytesRead;
    return n;
  }

  async close(): Promise<void> {
    await this.index.close();
    const shards = await Promise.allSettled(this.shards.values());
    await Promise.all(shards.map((s) => (s.status === 'fulfilled' ? s.value?.remote.close() : undefined)));
  }

  private async ensureShards(ids: number[]): Promise<void> {
    await Promise.all([...new Set(ids)].map((id) => this.shard(id)));
  }

  /** The shard's source; undefined for an id outside the header's count (BundleCore then names the bad entry). */
  private shard(id: number): Promise<ShardSource | undefined> {
    let p: Promise<ShardSource | undefined> | undefined = this.shards.get(id);
    if (!p) {
      const n = this.core.header.numShards;
      if (!Number.isInteger(id) || id < 0 || id >= n) return Promise.resolve(undefined);
      const location = dataFilename(this.prefix, id, n);
      p = resolveStore(location)
        .open(location)
        .then((remote) => {
          const s = new ShardSource(remote);
          this.shardSources.set(id, s);
          this.opened.push(s);
          return s;
        });
      p.catch(() => this.shards.delete(id));
      this.shards.set(id, p);
    }
    return p;
  }
}

/** Opens the V2 checkpoint at `location` (`<prefix>` of its `.index`: a path, file://, mem://, s3://, http(s)://). */
export function openCheckpointAt(location: string, options: AsyncReadOptions = {}): Promise<AsyncBundleReader> {
  return AsyncBundleReader.open(location, options);
}
