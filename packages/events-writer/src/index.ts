export { EventsError, type EventsErrorCode, type EventsErrorDetails } from './errors.js';
export { encodeEvent, FILE_VERSION, SessionStatus, type Step } from './event.js';
export {
  type EventFileContents,
  type EventFileEntry,
  type EventRecord,
  eventFilesAt,
  findEventFiles,
  isEventFileName,
  iterateEventFile,
  iterateEvents,
  type LogdirEvent,
  parseEvents,
  readEventFile,
} from './reader/event-file.js';
export {
  type EventValue,
  eventValues,
  type HistogramBucket,
  type HParamsContent,
  type ImageBatch,
  numbers,
  stepOf,
  type ValueKind,
} from './reader/values.js';
export {
  DEFAULT_BUCKET_COUNT,
  histogramBuckets,
  histogramValue,
  legacyHistogram,
  MAX_BUCKET_COUNT,
} from './summary/histogram.js';
export {
  EXPERIMENT_TAG,
  type HParamsSummaryOptions,
  type HParamValue,
  hparamsValues,
  SESSION_START_INFO_TAG,
} from './summary/hparams.js';
export {
  DEFAULT_MAX_OUTPUTS,
  type ImageOptions,
  type ImageShape,
  imageValue,
  type PixelData,
} from './summary/image.js';
export { scalarValue } from './summary/scalar.js';
export { checkTag, MAX_TAG_LENGTH, RESERVED_TAG_PREFIX } from './summary/tag.js';
export { isTensorLike, type ScalarLike, type TensorLike, type TypedNumberArray } from './summary/tensor-like.js';
export { textValue } from './summary/text.js';
export { type FileRecordsResult, iterateFileRecords } from './tfrecord/record-file.js';
export {
  type Corruption,
  type ReadRecordsOptions,
  type RecordScan,
  readRecords,
  scanRecords,
  type TfRecord,
  type TornTail,
} from './tfrecord/record-reader.js';
export { frameRecord, frameRecords, RECORD_OVERHEAD, writeRecord } from './tfrecord/record-writer.js';
export {
  type GraphOptions,
  type HistogramOptions,
  type HParamsOptions,
  type ImageWriteOptions,
  type ScalarOptions,
  SummaryWriter,
  type SummaryWriterOptions,
  type WriteOptions,
} from './writer/summary-writer.js';
