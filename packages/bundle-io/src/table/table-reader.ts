// Reads a table (layout in format.ts) through positioned reads: opening reads the footer and the index block; entries
// are found through the index and their data block is read on demand.

import { BundleError } from '../errors.js';
import type { ByteSource } from '../memory-source.js';
import { type BlockEntry, compareBytes, decodeBlock } from './block-reader.js';
import { type BlockHandle, decodeHandle, FOOTER_SIZE, readBlock, readFooter } from './format.js';

export interface TableReaderOptions {
  /** Check each block's crc32c (default true). */
  verifyChecksums?: boolean;
}

interface IndexEntry {
  /** >= every key in its block and < every key in the next. */
  key: Uint8Array;
  handle: BlockHandle;
}

export class TableReader {
  readonly src: ByteSource;
  private readonly verify: boolean;
  private readonly blocks: IndexEntry[];
  private cachedBlock: { at: number; entries: BlockEntry[] } | undefined;

  constructor(src: ByteSource, options: TableReaderOptions = {}) {
    this.src = src;
    this.verify = options.verifyChecksums ?? true;
    const footer = readFooter(src);
    const dataEnd = src.size - FOOTER_SIZE;
    const checkHandle = (h: BlockHandle, what: string, at: number): void => {
      if (h.offset + h.size + 5 > dataEnd) {
        throw new BundleError('TRUNCATED', `${what} block ${h.offset}+${h.size} runs past the footer`, {
          path: src.path,
          offset: at,
        });
      }
    };
    checkHandle(footer.index, 'index', dataEnd);
    checkHandle(footer.metaindex, 'metaindex', dataEnd);
    const indexBlock = readBlock(src, footer.index, { verifyChecksums: this.verify });
    const ctx = { path: src.path, offset: footer.index.offset };
    this.blocks = decodeBlock(indexBlock, ctx).map((e) => {
      const { handle, next } = decodeHandle(e.value, 0, src.path, footer.index.offset);
      if (next !== e.value.length) {
        throw new BundleError('CORRUPT_TABLE', 'index entry has bytes after its block handle', ctx);
      }
      checkHandle(handle, 'data', footer.index.offset);
      return { key: e.key, handle };
    });
  }

  /** Number of data blocks. */
  get blockCount(): number {
    return this.blocks.length;
  }

  /** Every entry of the table in key order (reads every data block). */
  *entries(): Generator<BlockEntry> {
    let prev: Uint8Array | undefined;
    for (let i = 0; i < this.blocks.length; i++) {
      for (const e of this.blockEntries(i)) {
        if (prev && compareBytes(prev, e.key) >= 0) {
          throw new BundleError('DUPLICATE_KEY', 'table keys are not strictly increasing across blocks', {
            path: this.src.path,
            offset: this.blocks[i]!.handle.offset,
          });
        }
        prev = e.key;
        yield e;
      }
    }
  }

  /** The value stored under `key`, or undefined. Reads one data block. */
  get(key: Uint8Array): Uint8Array | undefined {
    // First block whose index key is >= key.
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.blocks[mid]!.key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.blocks.length) return undefined;
    const entries = this.blockEntries(lo);
    let a = 0;
    let b = entries.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (compareBytes(entries[mid]!.key, key) < 0) a = mid + 1;
      else b = mid;
    }
    const e = entries[a];
    return e && compareBytes(e.key, key) === 0 ? e.value : undefined;
  }

  private blockEntries(i: number): BlockEntry[] {
    if (this.cachedBlock?.at === i) return this.cachedBlock.entries;
    const h = this.blocks[i]!.handle;
    const entries = decodeBlock(readBlock(this.src, h, { verifyChecksums: this.verify }), {
      path: this.src.path,
      offset: h.offset,
    });
    // Keep only small blocks: a V1 block can hold one huge tensor.
    this.cachedBlock = h.size <= 1 << 20 ? { at: i, entries } : undefined;
    return entries;
  }
}
