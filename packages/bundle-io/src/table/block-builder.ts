// Builds one table block (tensorflow/core/lib/io/block_builder.cc), byte for byte as TensorFlow does.
//
//   entry   := shared:varint32 ‖ non_shared:varint32 ‖ value_len:varint32 ‖ key[shared:] ‖ value
//   block   := entry* ‖ restart:uint32 LE * num_restarts ‖ num_restarts:uint32 LE
// Every `restartInterval` entries the key is stored whole (shared = 0) and its offset becomes a restart point; the
// first restart is always 0, so an empty block is `00000000 01000000`.
import { varintSize, writeVarint } from '@tensorgraft/proto/lite';

export class BlockBuilder {
  private chunks: Uint8Array[] = [];
  private bufferSize = 0;
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  private entries = 0;

  constructor(private readonly restartInterval: number) {}

  get empty(): boolean {
    return this.entries === 0;
  }

  /** Size of the finished block if it were finished now: buffer + restarts + their count. */
  currentSizeEstimate(): number {
    return this.bufferSize + this.restarts.length * 4 + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const min = Math.min(this.lastKey.length, key.length);
      while (shared < min && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.bufferSize);
      this.counter = 0;
    }
    const nonShared = key.length - shared;
    const headLen = varintSize(shared) + varintSize(nonShared) + varintSize(value.length);
    const entry = new Uint8Array(headLen + nonShared + value.length);
    let at = writeVarint(entry, 0, shared);
    at = writeVarint(entry, at, nonShared);
    at = writeVarint(entry, at, value.length);
    entry.set(key.subarray(shared), at);
    entry.set(value, at + nonShared);
    this.chunks.push(entry);
    this.bufferSize += entry.length;
    this.lastKey = key.slice();
    this.counter++;
    this.entries++;
  }

  /** The finished block contents; the builder is reset. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.currentSizeEstimate());
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    const dv = new DataView(out.buffer);
    for (const r of this.restarts) {
      dv.setUint32(at, r, true);
      at += 4;
    }
    dv.setUint32(at, this.restarts.length, true);
    this.chunks = [];
    this.bufferSize = 0;
    this.restarts = [0];
    this.counter = 0;
    this.lastKey = new Uint8Array(0);
    this.entries = 0;
    return out;
  }
}
