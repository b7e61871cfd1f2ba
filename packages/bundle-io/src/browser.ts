// `@tensorgraft/bundle-io/browser`: reading V2 checkpoints where there are no Node built-ins (browsers, workers, edge
// runtimes): openCheckpointAt over http(s):// URLs (HTTP Range requests) and mem:// objects, with the same classes,
// checks and errors as the Node entry points. tools/check-browser-bundles.mjs bundles this file for the browser and
// fails if anything here reaches a node: module.

export { AsyncBundleReader, type AsyncReadOptions, openCheckpointAt } from './async-reader.js';
export type { BundleEntry, BundleHeader, ReadOptions } from './bundle-core.js';
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
