// `@tensorgraft/events-writer/browser`: event files where there are no Node built-ins (browsers, workers): decoding
// an event file's bytes (fetched by the caller) and its summary values, and building events in memory (encodeEvent +
// frameRecords gives the bytes of an event file to hand to a Blob). The log-directory reader, the SummaryWriter and
// hparams (node:crypto) are in the Node entry point.
export { EventsError, type EventsErrorCode, type EventsErrorDetails } from './errors.js';
export { encodeEvent, FILE_VERSION, SessionStatus, type Step } from './event.js';
export { type EventFileContents, type EventRecord, parseEvents } from './reader/parse-events.js';
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
export { histogramValue } from './summary/histogram.js';
export { imageValue } from './summary/image.js';
export { scalarValue } from './summary/scalar.js';
export { textValue } from './summary/text.js';
export { type RecordScan, readRecords, scanRecords, type TfRecord } from './tfrecord/record-reader.js';
export { frameRecord, frameRecords } from './tfrecord/record-writer.js';
