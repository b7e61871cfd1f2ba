// The synchronous V2 reader over local files: BundleCore (bundle-core.ts) plus opening `<prefix>.index` and its data
// shards from disk.
import { BundleCore, type ReadOptions } from './bundle-core.js';
import { fileSource } from './byte-source.js';
import { dataFilename, indexFilename } from './naming.js';

export type { BundleEntry, BundleFiles, BundleHeader, ReadOptions } from './bundle-core.js';

export class BundleReader extends BundleCore {
  /** Opens `<prefix>.index`; data shards are opened when first needed. */
  static open(prefix: string, options: ReadOptions = {}): BundleReader {
    const index = fileSource(indexFilename(prefix));
    try {
      return new BundleReader({ prefix, index, openShard: (s, n) => fileSource(dataFilename(prefix, s, n)) }, options);
    } catch (err) {
      index.close(); // the reader never came to be, so nobody else can close it
      throw err;
    }
  }
}
