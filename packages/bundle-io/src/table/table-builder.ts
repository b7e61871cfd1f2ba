// Writes a table (layout in format.ts) to a sink as entries arrive, with TensorFlow's options: block_size 262144,
// restart interval 16 (1 in the index block), no compression. Flush rules as TableBuilder::Add: before adding, if
// there are entries and key+value >= 2 x block_size, flush; after adding, flush when the block estimate >= block_size.
import { BundleError } from '../errors.js';
import { BlockBuilder } from './block-builder.js';
import { compareBytes, keyLabel } from './block-reader.js';
import {
  type BlockHandle,
  blockTrailer,
  encodeFooter,
  handleBytes,
  NO_COMPRESSION,
  SNAPPY_COMPRESSION,
} from './format.js';
import { shortestSeparator, shortSuccessor } from './key-order.js';
import { compressSnappy } from './snappy.js';

export const DEFAULT_BLOCK_SIZE = 262144;
export const DEFAULT_RESTART_INTERVAL = 16;

export interface TableSink {
  /** Appends bytes to the file being written. */
  append(bytes: Uint8Array): void;
}

export interface TableBuilderOptions {
  blockSize?: number;
  restartInterval?: number;
  /** For error messages. */
  path?: string;
  /**
   * 'snappy' compresses each block when that saves at least 1/8 (LevelDB's rule). TensorFlow writes 'none' (the
   * default), and byte-identical output needs it; snappy is here for tests and other table writers' files.
   */
  compression?: 'none' | 'snappy';
}

export class TableBuilder {
  private readonly blockSize: number;
  private readonly data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  private offset = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  private numEntries = 0;
  private pendingHandle: BlockHandle | undefined;
  private closed = false;
  private readonly path: string | undefined;
  private readonly snappy: boolean;

  constructor(
    private readonly sink: TableSink,
    options: TableBuilderOptions = {},
  ) {
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.data = new BlockBuilder(options.restartInterval ?? DEFAULT_RESTART_INTERVAL);
    this.path = options.path;
    this.snappy = options.compression === 'snappy';
  }

  /** Adds an entry; keys must be strictly increasing bytewise. */
  add(key: Uint8Array, value: Uint8Array): void {
    if (this.closed) throw new BundleError('INVALID_ARGUMENT', 'table already finished', { path: this.path });
    if (this.numEntries > 0) {
      if (compareBytes(key, this.lastKey) <= 0) {
        throw new BundleError('DUPLICATE_KEY', 'table keys must be added in strictly increasing order', {
          path: this.path,
          tensor: keyLabel(key),
        });
      }
      if (key.length + value.length >= 2 * this.blockSize) this.flush();
    }
    if (this.pendingHandle) {
      this.index.add(shortestSeparator(this.lastKey, key), handleBytes(this.pendingHandle));
      this.pendingHandle = undefined;
    }
    this.lastKey = key.slice();
    this.numEntries++;
    this.data.add(key, value);
    if (this.data.currentSizeEstimate() >= this.blockSize) this.flush();
  }

  /** Writes the last data block, the (empty) metaindex block, the index block and the footer. */
  finish(): number {
    this.flush();
    this.closed = true;
    const metaindex = this.writeBlock(new BlockBuilder(DEFAULT_RESTART_INTERVAL));
    if (this.pendingHandle) {
      this.index.add(shortSuccessor(this.lastKey), handleBytes(this.pendingHandle));
      this.pendingHandle = undefined;
    }
    const index = this.writeBlock(this.index);
    const footer = encodeFooter(metaindex, index);
    this.sink.append(footer);
    this.offset += footer.length;
    return this.offset;
  }

  get entries(): number {
    return this.numEntries;
  }

  private flush(): void {
    if (this.data.empty) return;
    this.pendingHandle = this.writeBlock(this.data);
  }

  private writeBlock(block: BlockBuilder): BlockHandle {
    let contents = block.finish();
    let type = NO_COMPRESSION;
    if (this.snappy) {
      const compressed = compressSnappy(contents);
      if (compressed.length < contents.length - Math.floor(contents.length / 8)) {
        contents = compressed;
        type = SNAPPY_COMPRESSION;
      }
    }
    const handle = { offset: this.offset, size: contents.length };
    this.sink.append(contents);
    this.sink.append(blockTrailer(contents, type));
    this.offset += contents.length + 5;
    return handle;
  }
}
