export { BundleError, type BundleErrorCode, type BundleErrorDetails } from './errors.js';
export { type ByteSource, bytesSource, fileSource } from './byte-source.js';
export {
  type Tensor,
  type TensorData,
  type NumericData,
  type SliceExtent,
  numElements,
  validateTensor,
} from './tensor.js';
export { indexFilename, dataFilename, tempFilename } from './naming.js';
export { encodeSliceKey } from './slice-key.js';
export { BundleWriter, type BundleWriterOptions, bundleHeaderBytes } from './bundle-writer.js';
export {
  BundleReader,
  type BundleEntry,
  type BundleFiles,
  type BundleHeader,
  type ReadOptions,
} from './bundle-reader.js';
export { mergeBundles, type MergeOptions } from './merge.js';
export { TableBuilder, type TableSink, type TableBuilderOptions } from './table/table-builder.js';
export { TableReader, type TableReaderOptions } from './table/table-reader.js';
export type { BlockEntry } from './table/block-reader.js';
export { V1Reader, v1Files, decodeValues } from './v1-reader.js';
export {
  SafetensorsReader,
  writeSafetensors,
  writeSafetensorsStreaming,
  safetensorsDType,
  type SafetensorsWriteOptions,
  type TensorSpec,
} from './safetensors.js';
export { tensorJsonValues, compareTensors, type JsonValue, type TensorDifference } from './tensor-json.js';
export {
  type CheckpointReader,
  type ResolvedCheckpoint,
  openCheckpoint,
  resolveCheckpoint,
  latestFromState,
} from './checkpoint.js';
export { BlockBuilder } from './table/block-builder.js';
export { blockTrailer, encodeFooter, readFooter, readBlock, type BlockHandle, FOOTER_SIZE } from './table/format.js';
