// The table (LevelDB SSTable) file format TensorFlow uses for `.index` files and V1 checkpoints
// (tensorflow/core/lib/io/format.{h,cc}).
//
//   file    := data_block* metaindex_block index_block footer
//   block   := contents ‖ type:uint8 (0 none, 1 snappy) ‖ mcrc:uint32 LE   mcrc = mask(crc32c(contents ‖ type))
//   handle  := offset:varint64 ‖ size:varint64                           size excludes the 5-byte trailer
//   footer  := metaindex handle ‖ index handle ‖ zeros to 40 bytes ‖ magic 0xdb4775248b80fb57 as fixed32 lo, fixed32 hi
//              (48 bytes, at the very end of the file)
import { crc32c, maskCrc, readVarintSafe, unmaskCrc, writeVarint } from '@tensorgraft/proto/lite';
import { BundleError } from '../errors.js';
import { type ByteSource, PRECHECK_BYTES, streamCrc32c } from '../memory-source.js';
import { uncompressSnappy } from './snappy.js';

export const FOOTER_SIZE = 48;
export const BLOCK_TRAILER_SIZE = 5;
export const MAX_ENCODED_HANDLE = 20;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;

export const NO_COMPRESSION = 0;
export const SNAPPY_COMPRESSION = 1;

export interface BlockHandle {
  offset: number;
  size: number;
}

export function encodeHandle(h: BlockHandle, out: Uint8Array, at: number): number {
  return writeVarint(out, writeVarint(out, at, h.offset), h.size);
}

export function handleBytes(h: BlockHandle): Uint8Array {
  const buf = new Uint8Array(MAX_ENCODED_HANDLE);
  return buf.slice(0, encodeHandle(h, buf, 0));
}

/** Decodes a handle at `at`; `where` gives error context. */
export function decodeHandle(
  buf: Uint8Array,
  at: number,
  path?: string,
  fileOffset = 0,
): { handle: BlockHandle; next: number } {
  try {
    const off = readVarintSafe(buf, at);
    const size = readVarintSafe(buf, off.next);
    return { handle: { offset: off.value, size: size.value }, next: size.next };
  } catch (err) {
    throw new BundleError('CORRUPT_TABLE', `bad block handle: ${(err as Error).message}`, {
      path,
      offset: fileOffset + at,
      cause: err,
    });
  }
}

export function encodeFooter(metaindex: BlockHandle, index: BlockHandle): Uint8Array {
  const out = new Uint8Array(FOOTER_SIZE);
  encodeHandle(index, out, encodeHandle(metaindex, out, 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(40, MAGIC_LO, true);
  dv.setUint32(44, MAGIC_HI, true);
  return out;
}

export interface Footer {
  metaindex: BlockHandle;
  index: BlockHandle;
}

/** Reads and checks the footer at the end of `src`. */
export function readFooter(src: ByteSource): Footer {
  if (src.size < FOOTER_SIZE) {
    throw new BundleError('TRUNCATED', `file of ${src.size} bytes is too short to be a table (48-byte footer)`, {
      path: src.path,
      offset: 0,
    });
  }
  const at = src.size - FOOTER_SIZE;
  const buf = src.read(at, FOOTER_SIZE);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(40, true) !== MAGIC_LO || dv.getUint32(44, true) !== MAGIC_HI) {
    throw new BundleError('BAD_MAGIC', 'bad table magic number: not a TensorFlow table file', {
      path: src.path,
      offset: at + 40,
    });
  }
  const m = decodeHandle(buf, 0, src.path, at);
  const i = decodeHandle(buf, m.next, src.path, at);
  return { metaindex: m.handle, index: i.handle };
}

/** Bytes of a block's trailer: type and the masked crc32c over contents ‖ type. */
export function blockTrailer(contents: Uint8Array, type: number): Uint8Array {
  const t = new Uint8Array(BLOCK_TRAILER_SIZE);
  t[0] = type;
  const crc = crc32c(t.subarray(0, 1), crc32c(contents));
  new DataView(t.buffer).setUint32(1, maskCrc(crc), true);
  return t;
}

export interface ReadBlockOptions {
  verifyChecksums: boolean;
  /** Upper bound on a snappy block's uncompressed size (keeps corrupt input from allocating a lot). */
  maxUncompressed?: number;
}

/**
 * Reads the block at `h` (contents + trailer) with one positioned read, checks its crc and returns the uncompressed
 * contents.
 */
export function readBlock(src: ByteSource, h: BlockHandle, opts: ReadBlockOptions): Uint8Array {
  const end = h.offset + h.size + BLOCK_TRAILER_SIZE;
  if (!Number.isSafeInteger(end) || end > src.size) {
    throw new BundleError(
      'TRUNCATED',
      `block ${h.offset}+${h.size} runs past the end of the file (${src.size} bytes)`,
      {
        path: src.path,
        offset: h.offset,
      },
    );
  }
  if (opts.verifyChecksums && h.size > PRECHECK_BYTES) {
    // A huge block (V1 tables keep a whole tensor in one): check it through a bounded buffer before reading it whole.
    const stored = new DataView(src.read(h.offset + h.size + 1, 4).buffer).getUint32(0, true);
    if (unmaskCrc(stored) !== streamCrc32c(src, h.offset, h.size + 1)) {
      throw new BundleError('BLOCK_CHECKSUM', 'block checksum mismatch', { path: src.path, offset: h.offset });
    }
  }
  const buf = src.read(h.offset, h.size + BLOCK_TRAILER_SIZE);
  const contents = buf.subarray(0, h.size);
  const type = buf[h.size]!;
  if (opts.verifyChecksums) {
    const stored = new DataView(buf.buffer, buf.byteOffset + h.size + 1, 4).getUint32(0, true);
    const actual = crc32c(buf.subarray(h.size, h.size + 1), crc32c(contents));
    if (unmaskCrc(stored) !== actual) {
      throw new BundleError('BLOCK_CHECKSUM', 'block checksum mismatch', { path: src.path, offset: h.offset });
    }
  }
  if (type === NO_COMPRESSION) return contents;
  if (type === SNAPPY_COMPRESSION) {
    return uncompressSnappy(contents, opts.maxUncompressed ?? Math.max(src.size * 64, 1 << 20), src.path, h.offset);
  }
  throw new BundleError('UNSUPPORTED', `unknown block compression type ${type}`, {
    path: src.path,
    offset: h.offset + h.size,
  });
}
