// Outputs replace the path itself, atomically (temp + rename in the same directory): a symlink at -o / OUT is
// replaced, its target left alone; convert and merge refuse to replace existing output files without --force.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'cli-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ckpt = join(ROOT, 'checkpoints', 'saver', 'model.ckpt-1000');
const cnn = join(ROOT, 'models', 'cnn', 'model.ckpt');

function fresh(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('CLI outputs', () => {
  it('graph -o LINK replaces the link with the file and leaves its target alone', async () => {
    const d = fresh('graph');
    const target = join(d, 'target.txt');
    writeFileSync(target, 'precious');
    const link = join(d, 'out.pbtxt');
    symlinkSync(target, link);
    const r = await runCli('graph', join(ROOT, 'graphs', 'mlp.pb'), '--to', 'pbtxt', '-o', link);
    expect(r.code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(readFileSync(link, 'utf8')).toMatch(/^node \{/);
    expect(readdirSync(d).sort()).toEqual(['out.pbtxt', 'target.txt']);
  });

  it('convert onto an existing file needs --force, then replaces a symlink without following it', async () => {
    const d = fresh('convert');
    const target = join(d, 'target.bin');
    writeFileSync(target, 'precious');
    const out = join(d, 'model.safetensors');
    symlinkSync(target, out);
    const refused = await runCli('convert', ckpt, out);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${out} already exists; pass --force`);
    const ok = await runCli('convert', ckpt, out, '--force');
    expect(ok.code).toBe(0);
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect((await runCli('diff', ckpt, out)).code).toBe(0);

    const prefix = join(d, 'v2', 'model.ckpt');
    expect((await runCli('convert', ckpt, prefix)).code).toBe(0);
    const again = await runCli('convert', ckpt, prefix);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${prefix}.index already exists`);
    expect((await runCli('convert', ckpt, prefix, '--force')).code).toBe(0);
  });

  it('merge -o onto an existing OUT.meta / .index / .data needs --force, naming the file', async () => {
    const d = fresh('merge');
    const out = join(d, 'merged.ckpt');
    for (const [i, suffix] of ['.meta', '.index', '.data-00000-of-00001'].entries()) {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d);
      const target = join(d, `target${i}`);
      writeFileSync(target, 'precious');
      symlinkSync(target, `${out}${suffix}`);
      const refused = await runCli('merge', '--model', `a=${cnn}`, '-o', out);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${out}${suffix} already exists; pass --force`);
      expect(readdirSync(d).sort()).toEqual([`merged.ckpt${suffix}`, `target${i}`].sort());
    }
    const ok = await runCli('merge', '--model', `a=${cnn}`, '-o', out, '--force');
    expect(ok.code).toBe(0);
    expect(lstatSync(`${out}.data-00000-of-00001`).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(d, 'target2'), 'utf8')).toBe('precious');
  });
});
