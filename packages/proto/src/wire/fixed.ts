// Little-endian fixed-width integers, stated explicitly (never the platform's byte order).
import { ProtoError } from '../errors.js';

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function need(buf: Uint8Array, offset: number, width: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + width > buf.length) {
    throw new ProtoError('TRUNCATED', `${what} needs ${width} bytes at offset ${offset}, have ${buf.length}`, {
      offset,
    });
  }
}

export function readUint32LE(buf: Uint8Array, offset: number): number {
  need(buf, offset, 4, 'uint32');
  return view(buf).getUint32(offset, true);
}

export function readUint64LE(buf: Uint8Array, offset: number): bigint {
  need(buf, offset, 8, 'uint64');
  return view(buf).getBigUint64(offset, true);
}

export function writeUint32LE(buf: Uint8Array, offset: number, value: number): void {
  need(buf, offset, 4, 'uint32');
  view(buf).setUint32(offset, value >>> 0, true);
}

export function writeUint64LE(buf: Uint8Array, offset: number, value: bigint | number): void {
  need(buf, offset, 8, 'uint64');
  view(buf).setBigUint64(offset, BigInt(value), true);
}

export function uint32LE(value: number): Uint8Array {
  const out = new Uint8Array(4);
  writeUint32LE(out, 0, value);
  return out;
}

export function uint64LE(value: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  writeUint64LE(out, 0, value);
  return out;
}
