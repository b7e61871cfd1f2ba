// Snappy-compressed table blocks (type 1). TensorFlow has written uncompressed tables since 1.2, but older checkpoints
// and other LevelDB-table writers may compress; TableBuilder compresses only when asked. snappyjs: maintained, pure JS (no native build
// that a closed network or a browser would refuse), and it takes a maximum length, so a corrupt length header cannot
// make it allocate more than we allow.
import SnappyJS from 'snappyjs';
import { BundleError } from '../errors.js';

export function uncompressSnappy(
  contents: Uint8Array,
  maxLength: number,
  path: string | undefined,
  offset: number,
): Uint8Array {
  try {
    const out = SnappyJS.uncompress(contents, maxLength) as Uint8Array;
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new BundleError('CORRUPT_TABLE', `cannot uncompress snappy block: ${(err as Error).message}`, {
      path,
      offset,
      cause: err,
    });
  }
}

export function compressSnappy(contents: Uint8Array): Uint8Array {
  const out = SnappyJS.compress(contents) as Uint8Array;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
