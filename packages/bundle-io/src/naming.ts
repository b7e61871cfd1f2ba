// File names of a V2 bundle (tensorflow/core/util/tensor_bundle/naming.cc): `<prefix>.index` and
// `<prefix>.data-%05d-of-%05d`; temporary files while writing are `<file>.tempstate<random uint64>`.

export function indexFilename(prefix: string): string {
  return `${prefix}.index`;
}

export function dataFilename(prefix: string, shard: number, numShards: number): string {
  return `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`;
}

/** `<file>.tempstate<random uint64 in decimal>`, as BundleWriter names its files until Finish renames them. */
export function tempFilename(file: string): string {
  // The global Web Crypto, not node:crypto: that module would load with every reader, while only writers need this.
  const random = crypto.getRandomValues(new BigUint64Array(1));
  return `${file}.tempstate${random[0]}`;
}
