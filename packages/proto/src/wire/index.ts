export type { Crc32cNativeModule } from './crc32c.js';
export { crc32c, crc32cJs, maskCrc, maskedCrc32c, unmaskCrc } from './crc32c.js';
export { crc32cImplementation, crc32cNative } from './crc32c-implementation.js';
export { readUint32LE, readUint64LE, uint32LE, uint64LE, writeUint32LE, writeUint64LE } from './fixed.js';
export { allocateLargeBuffer, LARGE_BUFFER_BYTES, largeBuffersNative } from './large-buffers.js';
export {
  type Decoded,
  encodeVarint,
  readVarint32,
  readVarint64,
  readVarintSafe,
  varintSize,
  writeVarint,
} from './varint.js';
