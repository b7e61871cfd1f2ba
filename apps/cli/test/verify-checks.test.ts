// `verify` says what it checked: a .safetensors file has no checksums, so a flipped data byte cannot be caught and the
// output must not claim that every checksum matches.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const ckpt = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'checkpoints', 'saver', 'model.ckpt-1000');
const tmp = mkdtempSync(join(tmpdir(), 'cli-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tensorgraft verify says what was checked', () => {
  it('safetensors: header, offsets and sizes only', async () => {
    const st = join(tmp, 'm.safetensors');
    expect((await runCli('convert', ckpt, st)).code).toBe(0);
    const bytes = readFileSync(st);
    bytes[bytes.length - 1]! ^= 0x01; // a data byte: nothing in the format can notice
    writeFileSync(st, bytes);
    const r = await runCli('verify', st);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('checksum matches');
    expect(r.stdout).toBe(
      'ok: 7 tensors (safetensors): header, offsets and sizes are valid (the format has no checksums: tensor bytes cannot be checked)\n',
    );
    expect(JSON.parse((await runCli('verify', st, '--json')).stdout).checked).toMatch(/no checksums/);
  });

  it('V2: every table block and tensor checksum', async () => {
    const r = await runCli('verify', ckpt);
    expect(r.stdout).toBe('ok: 7 tensors (v2): every table block and tensor checksum matches\n');
  });
});

describe('names are printed escaped', () => {
  it('ls shows a TensorFlow-written NUL-led name as \\u0000, never a raw NUL', async () => {
    const names = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'checkpoints', 'names', 'text.ckpt');
    const r = await runCli('ls', names);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout.split('\n').map((l) => l.split(/\s+/)[0])).toContain('\\u0000lead');
    expect(r.stdout).toContain('8 tensors');
  });
});
