// `@tensorgraft/bundle-io/lite`: reading V2 and safetensors checkpoints, and telling which kind a path is, without
// the generated protobuf code (the V2 index entries are decoded by bundle-proto.ts). It loads in a fraction of the
// full entry point's time, which is what `tensorgraft ls` needs. V1 checkpoints, state files (text format), writing
// and merging are in the full entry point `@tensorgraft/bundle-io`; the classes here are the same ones it exports.

export { AsyncBundleReader, type AsyncReadOptions, openCheckpointAt } from './async-reader.js';
export { BundleCore } from './bundle-core.js';
export {
  type BundleEntry,
  type BundleFiles,
  type BundleHeader,
  BundleReader,
  type ReadOptions,
} from './bundle-reader.js';
export { type ByteSource, bytesSource, fileSource } from './byte-source.js';
export type { CheckpointReader, VerifyOptions } from './checkpoint.js';
export { type ResolvedCheckpoint, resolveCheckpointFile, v1Files } from './checkpoint-file.js';
export { BundleError, type BundleErrorCode, type BundleErrorDetails } from './errors.js';
export { keyToName, nameToKey } from './key-text.js';
export { dataFilename, indexFilename } from './naming.js';
export { SAFETENSORS_METADATA_KEY, SafetensorsReader, safetensorsDType } from './safetensors.js';
export {
  type AsyncByteSource,
  findStore,
  joinLocation,
  localPath,
  localStore,
  memoryObject,
  memoryStore,
  parentLocation,
  putMemoryObject,
  registerStore,
  resolveStore,
  type Store,
  schemeOf,
  type WriteSink,
} from './storage/index.js';
export {
  type NumericData,
  numElements,
  type SliceExtent,
  type Tensor,
  type TensorData,
  validateTensor,
} from './tensor.js';
export { compareTensors, type JsonValue, type TensorDifference, tensorJsonValues } from './tensor-json.js';
