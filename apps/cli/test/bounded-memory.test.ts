// A small index naming one 320 MiB float32 tensor whose data file is sparse (all holes) and whose checksum is
// wrong: verify, cat and convert fail with TENSOR_CHECKSUM after checking the crc through a bounded buffer, and the
// process never grows by the tensor's size (its peak RSS, measured in a child process, stays below 192 MiB).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleHeaderBytes, TableBuilder } from '@tensorgraft/bundle-io';
import { encodeMessage, tensorflow } from '@tensorgraft/proto';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'cli-rss-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ELEMENTS = 80 << 20; // float32: 320 MiB

function sparseCheckpoint(): string {
  const prefix = join(tmp, 'big.ckpt');
  const parts: Uint8Array[] = [];
  const table = new TableBuilder({ append: (b: Uint8Array) => void parts.push(b.slice()) });
  table.add(new Uint8Array(0), bundleHeaderBytes(1));
  const entry = tensorflow.BundleEntryProto.create({
    dtype: tensorflow.DataType.DT_FLOAT,
    shape: { dim: [{ size: ELEMENTS }] },
    size: ELEMENTS * 4,
    crc32c: 12345,
  });
  table.add(new TextEncoder().encode('w'), encodeMessage(tensorflow.BundleEntryProto, entry));
  table.finish();
  writeFileSync(`${prefix}.index`, Buffer.concat(parts));
  writeFileSync(`${prefix}.data-00000-of-00001`, '');
  truncateSync(`${prefix}.data-00000-of-00001`, ELEMENTS * 4);
  return prefix;
}

/** Runs the CLI in a child process; returns its exit code, stderr and peak RSS in MiB. */
function run(...argv: string[]): { code: number; stderr: string; maxRssMiB: number } {
  const script = `
    import { main } from '@tensorgraft/cli';
    let err = '';
    const code = await main(${JSON.stringify(argv)}, { stdout: () => {}, stderr: (t) => { err += t; } });
    process.stdout.write(JSON.stringify({ code, stderr: err, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('damaged huge tensors are caught in bounded memory', () => {
  const prefix = sparseCheckpoint();
  for (const argv of [
    ['verify', prefix],
    ['cat', prefix, 'w'],
    ['convert', prefix, join(tmp, 'out.ckpt')],
  ]) {
    it(argv[0]!, () => {
      const r = run(...argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('TENSOR_CHECKSUM');
      expect(r.maxRssMiB, `peak RSS ${r.maxRssMiB} MiB`).toBeLessThan(192);
    });
  }
});
