import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crc32c,
  crc32cImplementation,
  crc32cJs,
  crc32cNative,
  maskCrc,
  maskedCrc32c,
  unmaskCrc,
} from '@tensorgraft/proto';
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

describe('the native crc32c modules', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, '..', 'dist', 'native', 'crc32c.node');
  const compiler = spawnSync(process.env.CC || 'cc', ['--version']).status === 0;
  // the same places scripts/build-native.mjs looks for Node's headers: without them the build skips, as it says
  const headers = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  const buildable =
    process.platform === 'linux' &&
    process.arch === 'x64' &&
    compiler &&
    process.env.TENSORGRAFT_NATIVE !== '0' &&
    headers.some((d) => existsSync(join(d, 'node_api.h')));

  it("uses this package's own module where the build could compile it (x86-64 Linux, a C compiler, Node's headers)", () => {
    if (buildable) expect(existsSync(built)).toBe(true);
    expect(crc32cNative).toBe(existsSync(built) ? 'tensorgraft' : '@node-rs/crc32');
  });

  it('agrees with the JS table over lengths around its 12 KiB rounds, offsets and initial states', () => {
    // Both native modules straight from disk, so each is checked whichever one crc32c picked.
    const require = createRequire(import.meta.url);
    const impls = [require('@node-rs/crc32').crc32c as (b: Uint8Array, s?: number) => number];
    if (existsSync(built)) impls.push(require(built).crc32c);
    let seed = 0x9e3779b9;
    const bytes = new Uint8Array(3 * 4096 * 3 + 64).map(() => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed & 0xff;
    });
    const lengths = [0, 1, 7, 8, 9, 4095, 4096, 12287, 12288, 12289, 24576 + 5, 36864, bytes.length - 7];
    for (const impl of impls) {
      for (const length of lengths) {
        for (const offset of [0, 1, 5]) {
          const part = bytes.subarray(offset, offset + length);
          for (const initial of [0, 0x92c80a31, 0xffffffff]) {
            expect(impl(part, initial) >>> 0).toBe(crc32cJs(part, initial));
          }
        }
      }
    }
  });

  it('is the answer for a 16 MiB buffer split anywhere (crc32c extends across calls)', () => {
    const big = new Uint8Array(16 << 20).map((_, i) => (i * 2654435761) >>> 24);
    const whole = crc32cJs(big);
    expect(crc32c(big)).toBe(whole);
    for (const split of [1, 12288, 5_000_001]) {
      expect(crc32c(big.subarray(split), crc32c(big.subarray(0, split)))).toBe(whole);
    }
  });
});
