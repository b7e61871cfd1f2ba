export { AsyncBundleReader, type AsyncReadOptions, openCheckpointAt } from './async-reader.js';
export { AsyncBundleWriter, type AsyncWriteOptions, AsyncWriteOptionsSchema } from './async-writer.js';
export { BundleCore } from './bundle-core.js';
export type { SinkFactory } from './bundle-entries.js';
export {
  type BundleEntry,
  type BundleFiles,
  type BundleHeader,
  BundleReader,
  type ReadOptions,
} from './bundle-reader.js';
export { BundleWriter, type BundleWriterOptions, bundleHeaderBytes } from './bundle-writer.js';
export { type ByteSource, bytesSource, fileSource } from './byte-source.js';
export {
  type CheckpointReader,
  latestFromState,
  openCheckpoint,
  outsideDirectory,
  resolveCheckpoint,
  type VerifyOptions,
} from './checkpoint.js';
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
export { type ResolvedCheckpoint, resolveCheckpointFile, v1Files } from './checkpoint-file.js';
export { BundleError, type BundleErrorCode, type BundleErrorDetails } from './errors.js';
export { type FileOpKind, fileOps } from './file-ops.js';
export { keyToName, nameToKey } from './key-text.js';
export { type MergeOptions, mergeBundles } from './merge.js';
export { dataFilename, indexFilename, tempFilename } from './naming.js';
export {
  SAFETENSORS_METADATA_KEY,
  SafetensorsReader,
  type SafetensorsWriteOptions,
  safetensorsDType,
  type TensorSpec,
  writeSafetensors,
  writeSafetensorsStreaming,
} from './safetensors.js';
export { encodeSliceKey } from './slice-key.js';
export {
  type AsyncByteSource,
  configureHttp,
  findStore,
  type HttpOptions,
  httpStore,
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
export { configureS3, createBucket, type S3Options, S3OptionsSchema } from './storage/s3.js';
export { StreamSink } from './stream-sink.js';
export { BlockBuilder } from './table/block-builder.js';
export type { BlockEntry } from './table/block-reader.js';
export {
  type BlockHandle,
  blockTrailer,
  encodeFooter,
  FOOTER_SIZE,
  type Footer,
  type ReadBlockOptions,
  readBlock,
  readFooter,
} from './table/format.js';
export { TableBuilder, type TableBuilderOptions, type TableSink } from './table/table-builder.js';
export { TableReader, type TableReaderOptions } from './table/table-reader.js';
export {
  type NumericData,
  numElements,
  type SliceExtent,
  type Tensor,
  type TensorData,
  validateTensor,
} from './tensor.js';
export { compareTensors, type JsonValue, type TensorDifference, tensorJsonValues } from './tensor-json.js';
export { decodeValues, V1Reader } from './v1-reader.js';
