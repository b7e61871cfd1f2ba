// `@tensorgraft/proto/lite`: the parts of this package that need no generated message code (dtypes, the wire
// helpers, ProtoError, error-message text). Importing it loads neither protobufjs nor the 2 MB of generated classes,
// so a program that needs only these (bundle-io's readers, the CLI's `ls`) starts in a few milliseconds.
export * from './dtypes.js';
export { ProtoError, type ProtoErrorCode, type ProtoErrorDetails } from './errors.js';
export { escapeControls, quoteInput, SNIPPET_BYTES } from './message-text.js';
// the wire helpers, but not crc32cImplementation: deciding it loads the native crc32c module, which lite leaves until
// a MiB has been checksummed
export { crc32c, crc32cJs, maskCrc, maskedCrc32c, unmaskCrc } from './wire/crc32c.js';
export { readUint32LE, readUint64LE, uint32LE, uint64LE, writeUint32LE, writeUint64LE } from './wire/fixed.js';
export { allocateLargeBuffer, LARGE_BUFFER_BYTES, largeBuffersNative } from './wire/large-buffers.js';
export {
  type Decoded,
  encodeVarint,
  readVarint32,
  readVarint64,
  readVarintSafe,
  varintSize,
  writeVarint,
} from './wire/varint.js';
