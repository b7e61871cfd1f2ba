// Snappy-compressed table blocks (type 1). TensorFlow has written uncompressed tables since 1.2, but older checkpoints
// and other LevelDB-table writers may compress; TableBuilder compresses only when asked. snappyjs: maintained, pure JS (no native build
// that a closed network or a browser would refuse), and it takes a maximum length, so a corrupt length header cannot
// make it allocate more than we allow.
import type SnappyJSModule from 'snappyjs';
import { BundleError } from '../errors.js';

// snappyjs (CommonJS) is loaded on the first compressed block, not with the reader: TensorFlow's tables are
// uncompressed, and loading it costs every start-up (`tensorgraft ls`) a few milliseconds. node:module is reached
// through process.getBuiltinModule so that the browser bundles, which share this file, see no Node built-in; there
// a snappy block is an UNSUPPORTED error.
let loaded: typeof SnappyJSModule | undefined;
function snappyjs(path: string | undefined, offset: number): typeof SnappyJSModule {
  if (loaded) return loaded;
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') {
    throw new BundleError('UNSUPPORTED', 'snappy-compressed table blocks are read in Node only', { path, offset });
  }
  loaded = process.getBuiltinModule('node:module').createRequire(import.meta.url)('snappyjs') as typeof SnappyJSModule;
  return loaded;
}

export function uncompressSnappy(
  contents: Uint8Array,
  maxLength: number,
  path: string | undefined,
  offset: number,
): Uint8Array {
  const snappy = snappyjs(path, offset); // outside the try: UNSUPPORTED is not a corrupt block
  try {
    const out = snappy.uncompress(contents, maxLength) as Uint8Array;
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
  const out = snappyjs(undefined, 0).compress(contents) as Uint8Array;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
