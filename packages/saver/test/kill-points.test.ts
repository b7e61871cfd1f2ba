// A save killed just before each of its file operations (create, write, fsync, rename, unlink, rmdir, mkdir: the
// hook in @tensorgraft/bundle-io's fileOps), with maxToKeep 1 so the previous checkpoint is deleted in the same save:
// the latest checkpoint must always be complete and hold one generation's values (issue 12 item 8: deleting before
// writing the state file left `checkpoint` naming a deleted checkpoint), and the next clean save must leave no
// temporary file behind (item 9: the sharded merge's `<ckpt>.tmp<hex>.index/.data-*` were never cleaned).
// interop/tests/test_saver_kill.py does the same with TensorFlow checking, for every operation and CheckpointManager,
// and at random moments.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { latestCheckpoint, Saver } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const CHILD = join(import.meta.dirname, 'kill-child.mjs');

function runChild(args: string[], env: Record<string, string> = {}): Promise<{ signal: string | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code, signal) => resolve({ signal: signal ?? (code ? `exit ${code}` : null), err }));
  });
}

/** The file operations of the third save (after two warm-up saves): [number, kind, path] from the trace. */
async function thirdSaveOps(sharded: string): Promise<[number, string, string][]> {
  const { err } = await runChild([tempDir(), 'saver', sharded, '3', '1'], { TENSORGRAFT_FILE_OPS_TRACE: '1' });
  const lines = err.split('\n');
  const start = lines.indexOf('saved 1');
  return lines
    .slice(start + 1, lines.indexOf('saved 2'))
    .map((l) => /^fileop (\d+) (\w+) (.*)$/.exec(l)!)
    .map((m) => [Number(m[1]), m[2]!, m[3]!]);
}

async function verify(prefix: string): Promise<void> {
  const step = Number(/-(\d+)$/.exec(prefix)![1]);
  const a = { dtype: 'float32', shape: [4, 16], data: new Float32Array(64) };
  const b = { dtype: 'int64', shape: [3], data: new BigInt64Array(3) };
  const c = { dtype: 'string', shape: [2], data: [] as Uint8Array[] };
  const d = { dtype: 'float32', shape: [8192], data: new Float32Array(8192) };
  await new Saver({ a, b, c, d }).restore(prefix);
  expect([...new Set(a.data)]).toEqual([step]);
  expect([...b.data]).toEqual([3n, 3n, 3n].map((x) => x * BigInt(step)));
  expect(new TextDecoder().decode(c.data[0])).toBe(`step ${step}`);
  expect([...new Set(d.data)]).toEqual([-step]);
}

/** A finished directory holds checkpoints and the state file, nothing else. */
const FINAL = /^(checkpoint|model\.ckpt-\d+\.(index|data-\d{5}-of-\d{5}|meta))$/;

describe('kill before each file operation of a save', () => {
  // Only before renames, unlinks and rmdirs here, where the crash windows of ordering are, to keep `pnpm test` short;
  // the interop suite kills before every operation.
  for (const [sharded, label] of [
    ['0', 'unsharded'],
    ['1', 'sharded'],
  ] as const) {
    it(`${label}: latest restores one generation, the next save leaves no temp file`, async () => {
      const ops = (await thirdSaveOps(sharded)).filter(([, kind]) => /^(rename|unlink|rmdir)$/.test(kind));
      expect(ops.length).toBeGreaterThanOrEqual(8);
      const dirs: string[] = [];
      // two at a time on a 2-core machine
      for (let i = 0; i < ops.length; i += 2) {
        await Promise.all(
          ops.slice(i, i + 2).map(async ([n, kind, path]) => {
            const dir = tempDir();
            dirs.push(dir);
            const { signal, err } = await runChild([dir, 'saver', sharded, '3', '1'], {
              TENSORGRAFT_KILL_BEFORE_FILE_OP: String(n),
            });
            expect(signal, `kill before ${kind} ${path}: ${err}`).toBe('SIGKILL');
            const latest = latestCheckpoint(dir);
            expect(latest, `kill before ${kind} ${path}`).toBeDefined();
            await verify(latest!);
          }),
        );
      }
      const { signal, err } = await runChild(['--clean', 'saver', sharded, '1', ...dirs]);
      expect(signal, err).toBe(null);
      for (const dir of dirs) {
        expect(readdirSync(dir).filter((f) => !FINAL.test(f))).toEqual([]);
        await verify(latestCheckpoint(dir)!);
      }
    });
  }
});
