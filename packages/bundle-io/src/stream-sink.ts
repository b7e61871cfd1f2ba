// FileSink's shape (a running offset, sync appends, async appends) over a storage WriteSink, so BundleWriter writes
// to any store. Sync appends copy the bytes and queue the write (the caller may reuse its buffer at once); async
// appends pass the caller's bytes through (they must not change until the promise settles, as FileSink's). Small
// appends are gathered into 1 MiB writes. No Node built-ins.
import { crc32c } from '@tensorgraft/proto/lite';
import type { WriteSink } from './storage/types.js';

const GATHER = 1 << 20;

export class StreamSink {
  offset = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private failed: unknown;

  constructor(readonly sink: WriteSink) {}

  get path(): string {
    return this.sink.location;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length >= GATHER) {
      this.appendPieces(bytes, undefined);
      return;
    }
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    this.offset += bytes.length;
    if (this.pendingBytes >= GATHER) this.gather();
  }

  appendWithCrc(bytes: Uint8Array, crc: number): number {
    if (bytes.length >= GATHER) return this.appendPieces(bytes, crc);
    this.append(bytes);
    return crc32c(bytes, crc);
  }

  appendAsync(bytes: Uint8Array): Promise<void> {
    this.gather();
    this.offset += bytes.length;
    return this.enqueue(bytes);
  }

  /** Waits for every queued write; rejects with the first failure. */
  async flush(): Promise<void> {
    this.gather();
    await this.chain;
    if (this.failed) throw this.failed;
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.sink.commit();
  }

  async abort(): Promise<void> {
    await this.chain.catch(() => {});
    await this.sink.abort();
  }

  /**
   * A big append: copied once, in GATHER-sized pieces each queued as its own write (rather than copied whole, then
   * gathered into another copy), with the crc extended over each piece just copied, while it is in the cache.
   * Measured on a 64 MiB tensor to mem://: about half the time of copy-whole-then-gather.
   */
  private appendPieces(bytes: Uint8Array, crc: number | undefined): number {
    this.gather();
    let c = crc ?? 0;
    for (let at = 0; at < bytes.length; at += GATHER) {
      const piece = bytes.slice(at, at + GATHER);
      if (crc !== undefined) c = crc32c(piece, c);
      void this.enqueue(piece).catch(() => {});
    }
    this.offset += bytes.length;
    return c;
  }

  private gather(): void {
    if (!this.pendingBytes) return;
    const all = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) {
      all.set(p, at);
      at += p.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    void this.enqueue(all).catch(() => {});
  }

  private enqueue(bytes: Uint8Array): Promise<void> {
    const p = this.chain.then(() => {
      if (this.failed) throw this.failed;
      return this.sink.write(bytes);
    });
    this.chain = p.catch((err) => {
      this.failed ??= err;
    });
    return p;
  }
}
