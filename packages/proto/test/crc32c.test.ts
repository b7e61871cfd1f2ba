import { crc32c, crc32cImplementation, crc32cJs, maskCrc, maskedCrc32c, unmaskCrc } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('gives the known answer for "abcd" in both implementations', () => {
    expect(crc32c(ascii('abcd'))).toBe(0x92c80a31);
    expect(crc32cJs(ascii('abcd'))).toBe(0x92c80a31);
  });

  it('uses the native implementation on this machine', () => {
    expect(crc32cImplementation).toBe('native');
  });

  it('gives the RFC 3720 answers (32 zero bytes, 32 0xff bytes, 0..31)', () => {
    const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
    for (const impl of [crc32c, crc32cJs]) {
      expect(impl(new Uint8Array(32))).toBe(0x8a9136aa);
      expect(impl(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
      expect(impl(inc)).toBe(0x46dd794e);
    }
  });

  it('extends a previous CRC over more bytes, in JS and native alike', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    for (const split of [0, 1, 7, 8, 9, 500, 1000]) {
      const whole = crc32c(data);
      expect(crc32c(data.subarray(split), crc32c(data.subarray(0, split)))).toBe(whole);
      expect(crc32cJs(data.subarray(split), crc32cJs(data.subarray(0, split)))).toBe(whole);
    }
  });
});

describe('mask', () => {
  it('rotates and adds TensorFlow’s delta, and unmask inverts it', () => {
    expect(maskCrc(0)).toBe(0xa282ead8);
    expect(maskCrc(0x92c80a31)).toBe((((0x92c80a31 >>> 15) | (0x92c80a31 << 17)) + 0xa282ead8) >>> 0);
    for (const v of [0, 1, 0x92c80a31, 0xffffffff, 0x80000000, 0x12345678]) expect(unmaskCrc(maskCrc(v))).toBe(v);
    expect(maskedCrc32c(ascii('abcd'))).toBe(maskCrc(0x92c80a31));
  });
});
