// `@tensorgraft/bundle-io/browser`: V2 checkpoints where there are no Node built-ins (browsers, workers, edge
// runtimes). Reading: openCheckpointAt over http(s):// URLs (HTTP Range requests) and mem:// objects. Writing:
// saveCheckpointToBlobs / downloadCheckpoint (the files a user saves and TensorFlow reads), AsyncBundleWriter to
// mem:// (checkpointBlobs takes it away as Blobs). Same classes, checks, bytes and errors as the Node entry points. tools/check-browser-bundles.mjs bundles this file for the browser and
// fails if anything here reaches a node: module.

export { AsyncBundleReader, type AsyncReadOptions, openCheckpointAt } from './async-reader.js';
export { AsyncBundleWriter, type AsyncWriteOptions, AsyncWriteOptionsSchema } from './async-writer.js';
export type { BundleEntry, BundleHeader, ReadOptions } from './bundle-core.js';
export type { SinkFactory } from './bundle-entries.js';
export {
  type BlobSaveOptions,
  BlobSaveOptionsSchema,
  type CheckpointBlobs,
  checkpointBlobs,
  type DownloadDocument,
  type DownloadOptions,
  DownloadOptionsSchema,
  downloadCheckpoint,
  type NamedTensors,
  saveCheckpointToBlobs,
} from './checkpoint-blobs.js';
export { BundleError, type BundleErrorCode, type BundleErrorDetails } from './errors.js';
export { keyToName, nameToKey } from './key-text.js';
export { dataFilename, indexFilename } from './naming.js';
export {
  type AsyncByteSource,
  configureHttp,
  findStore,
  type HttpOptions,
  httpStore,
  joinLocation,
  memoryObject,
  memoryStore,
  parentLocation,
  putMemoryObject,
  registerStore,
  resolveStore,
  type Store,
  schemeOf,
  type WriteSink,
} from './storage/browser.js';
export {
  type NumericData,
  numElements,
  type SliceExtent,
  type Tensor,
  type TensorData,
  validateTensor,
} from './tensor.js';
export { compareTensors, type JsonValue, type TensorDifference, tensorJsonValues } from './tensor-json.js';
