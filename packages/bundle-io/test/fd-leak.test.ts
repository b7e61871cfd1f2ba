// Every failed open closes what it opened: 1,000 failing opens of each reader leave the process's open file
// descriptors (/proc/self/fd) where they were.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, BundleReader, openCheckpoint, SafetensorsReader, V1Reader } from '@tensorgraft/bundle-io';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-fd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Runs `open` 1,000 times; each must throw a BundleError; returns how many more fds are open afterwards. */
function leakedBy(open: () => unknown): number {
  const before = openFds();
  for (let i = 0; i < 1000; i++) {
    expect(() => open()).toThrow(BundleError);
  }
  return openFds() - before;
}

describe('failed opens close their files', () => {
  it('BundleReader.open on a corrupt index', () => {
    const prefix = join(dir, 'bad');
    const index = readFileSync(fixture('dtypes', 'model.ckpt.index'));
    index[index.length - 60] = index[index.length - 60]! ^ 0xff; // inside the index block: checksum fails
    writeFileSync(`${prefix}.index`, index);
    expect(leakedBy(() => BundleReader.open(prefix))).toBe(0);
    expect(leakedBy(() => openCheckpoint(prefix))).toBe(0);
  });

  it('BundleReader.open on an index with a bad footer magic', () => {
    const prefix = join(dir, 'magic');
    const index = readFileSync(fixture('dtypes', 'model.ckpt.index'));
    index[index.length - 1] = 0;
    writeFileSync(`${prefix}.index`, index);
    expect(leakedBy(() => BundleReader.open(prefix))).toBe(0);
  });

  it('V1Reader.open on a corrupt table', () => {
    const path = join(dir, 'v1bad');
    const bytes = readFileSync(fixture('v1', 'model.ckpt'));
    bytes[bytes.length - 60] = bytes[bytes.length - 60]! ^ 0xff;
    writeFileSync(path, bytes);
    expect(leakedBy(() => V1Reader.open(path))).toBe(0);
  });

  it('SafetensorsReader.open on a bad header', () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, Buffer.from([4, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b]));
    expect(leakedBy(() => SafetensorsReader.open(path))).toBe(0);
    expect(leakedBy(() => openCheckpoint(path))).toBe(0);
  });
});
