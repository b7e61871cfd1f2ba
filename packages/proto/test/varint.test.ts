// Varints and little-endian fixed ints: known encodings, round trips at every width, and typed errors.
import {
  encodeVarint,
  ProtoError,
  readUint32LE,
  readUint64LE,
  readVarint32,
  readVarint64,
  readVarintSafe,
  uint32LE,
  uint64LE,
  varintSize,
  writeVarint,
} from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

function thrown(fn: () => unknown): ProtoError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtoError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('varints', () => {
  it('encodes the protobuf documentation examples', () => {
    expect(hex(encodeVarint(1))).toBe('01');
    expect(hex(encodeVarint(150))).toBe('9601');
    expect(hex(encodeVarint(300))).toBe('ac02');
    expect(hex(encodeVarint(0xffffffff))).toBe('ffffffff0f');
    expect(hex(encodeVarint(2n ** 64n - 1n))).toBe('ffffffffffffffffff01');
  });

  it('round-trips values at every byte-length boundary', () => {
    for (let bits = 0; bits <= 64; bits++) {
      for (const v of [2n ** BigInt(bits) - 1n, 2n ** BigInt(bits)]) {
        if (v >= 2n ** 64n) continue;
        const enc = encodeVarint(v);
        expect(enc.length).toBe(varintSize(v));
        expect(readVarint64(enc, 0)).toEqual({ value: v, next: enc.length });
        if (v <= 0xffffffffn) expect(readVarint32(enc, 0)).toEqual({ value: Number(v), next: enc.length });
      }
    }
  });

  it('reads at an offset and writes into a buffer', () => {
    const buf = new Uint8Array(8);
    const end = writeVarint(buf, 3, 300);
    expect(end).toBe(5);
    expect(readVarint32(buf, 3)).toEqual({ value: 300, next: 5 });
    expect(readVarintSafe(bytes('00ac02'), 1)).toEqual({ value: 300, next: 3 });
  });

  it('reports a varint that runs off the end as TRUNCATED with its offset', () => {
    const e = thrown(() => readVarint32(bytes('0080'), 1));
    expect([e.code, e.offset]).toEqual(['TRUNCATED', 1]);
    expect(thrown(() => readVarint64(bytes('ffff'), 0)).code).toBe('TRUNCATED');
  });

  it('reports overlong and overflowing varints as BAD_WIRE', () => {
    expect(thrown(() => readVarint32(bytes('ffffffff1f'), 0)).code).toBe('BAD_WIRE');
    expect(thrown(() => readVarint64(bytes('ffffffffffffffffff02'), 0)).code).toBe('BAD_WIRE');
    expect(thrown(() => readVarint64(bytes('8080808080808080808001'), 0)).code).toBe('BAD_WIRE');
    expect(thrown(() => readVarintSafe(bytes('ffffffffffffffff7f'), 0)).code).toBe('BAD_WIRE');
  });

  it('refuses values it cannot encode', () => {
    expect(thrown(() => encodeVarint(-1)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => encodeVarint(2n ** 64n)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('little-endian fixed ints', () => {
  it('writes and reads 32 and 64 bits low byte first', () => {
    expect(hex(uint32LE(0x01020304))).toBe('04030201');
    expect(hex(uint64LE(0x0102030405060708n))).toBe('0807060504030201');
    expect(readUint32LE(bytes('04030201'), 0)).toBe(0x01020304);
    expect(readUint64LE(bytes('ff0807060504030201'), 1)).toBe(0x0102030405060708n);
    expect(readUint64LE(uint64LE(2n ** 64n - 1n), 0)).toBe(2n ** 64n - 1n);
  });
});
