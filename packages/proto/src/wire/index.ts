export { crc32c, crc32cJs, crc32cImplementation, maskCrc, unmaskCrc, maskedCrc32c } from './crc32c.js';
export { readUint32LE, readUint64LE, writeUint32LE, writeUint64LE, uint32LE, uint64LE } from './fixed.js';
export {
  type Decoded,
  varintSize,
  writeVarint,
  encodeVarint,
  readVarint32,
  readVarint64,
  readVarintSafe,
} from './varint.js';
