// The progress bar: drawn on stderr when it is a terminal (a pseudo-terminal from script(1) here), absent when piped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const CKPT = fileURLToPath(new URL('../../../fixtures/checkpoints/dtypes/model.ckpt', import.meta.url));

describe('progress bar', () => {
  it('is drawn on a terminal, counting every tensor, and cleared at the end', () => {
    // util-linux script(1) gives the child a pseudo-terminal; CI's image has it (bsdutils, essential in Debian)
    expect(existsSync('/usr/bin/script')).toBe(true);
    const r = spawnSync('script', ['-qec', `node "${BIN}" verify "${CKPT}"`, '/dev/null'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('verify [');
    expect(r.stdout).toContain('25/25 tensors 100%');
    // cleared: the last draw is erased before the result line
    expect(r.stdout).toMatch(/\x1b\[2K[\s\S]*ok: 25 tensors \(v2\): every table block and tensor checksum matches/);
  });

  it('is absent when stderr is piped: output is exactly what the command prints', () => {
    const r = spawnSync(process.execPath, [BIN, 'verify', CKPT], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok: 25 tensors (v2): every table block and tensor checksum matches\n');
  });
});
