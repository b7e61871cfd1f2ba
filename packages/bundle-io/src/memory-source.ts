// Positioned random access to bytes: the only way the readers touch data, so opening a checkpoint reads its footer
// and index, and get(name) reads just that tensor's bytes. No Node built-ins here (shared with the browser);
// the file-backed source is in byte-source.ts.
import { crc32c } from '@tensorgraft/proto/lite';
import { BundleError } from './errors.js';

export interface ByteSource {
  /** File path for error messages (undefined for in-memory bytes). */
  readonly path: string | undefined;
  /** Total size in bytes. */
  readonly size: number;
  /** Reads exactly target.length bytes at `offset` into `target` (TRUNCATED if the source ends first). */
  readInto(offset: number, target: Uint8Array): void;
  /** Reads `length` bytes at `offset` into a new buffer. */
  read(offset: number, length: number): Uint8Array;
  /**
   * Like readInto, off the main thread where the source can (a file: libuv's thread pool), so several reads run at
   * once. Optional; callers fall back to readInto.
   */
  readIntoAsync?(offset: number, target: Uint8Array): Promise<void>;
  /** Reads `targets` back to back from `offset`, with one request where the source can (see AsyncByteSource). */
  readIntoScatteredAsync?(offset: number, targets: readonly Uint8Array[]): Promise<void>;
  close(): void;
  /** Total bytes read so far (for benchmarks and tests of lazy reading). */
  readonly bytesRead: number;
}

export function checkRange(src: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new BundleError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`, { path: src.path, offset });
  }
  if (offset + length > src.size) {
    throw new BundleError('TRUNCATED', `read of ${length} bytes at ${offset} runs past the end (${src.size} bytes)`, {
      path: src.path,
      offset,
    });
  }
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, path?: string): ByteSource {
  let bytesRead = 0;
  const src: ByteSource = {
    path,
    size: bytes.length,
    get bytesRead() {
      return bytesRead;
    },
    readInto(offset, target) {
      checkRange(src, offset, target.length);
      target.set(bytes.subarray(offset, offset + target.length));
      bytesRead += target.length;
    },
    read(offset, length) {
      checkRange(src, offset, length);
      bytesRead += length;
      return bytes.slice(offset, offset + length);
    },
    close() {},
  };
  return src;
}

/** Above this many bytes, a checksum is checked before the bytes are read into memory of their own. */
export const PRECHECK_BYTES = 64 << 20;
/** The buffer streamCrc32c reads through. */
const CRC_CHUNK = 8 << 20;

/**
 * crc32c of `length` bytes at `offset`, read through one buffer of at most 8 MiB: memory stays bounded whatever the
 * length, so a corrupt entry (or a sparse multi-GiB file) is caught before anything its size is allocated or touched.
 */
export function streamCrc32c(src: ByteSource, offset: number, length: number): number {
  checkRange(src, offset, length);
  const buf = new Uint8Array(Math.min(length, CRC_CHUNK));
  let crc = 0;
  for (let done = 0; done < length; ) {
    const part = buf.subarray(0, Math.min(buf.length, length - done));
    src.readInto(offset + done, part);
    crc = crc32c(part, crc);
    done += part.length;
  }
  return crc;
}
