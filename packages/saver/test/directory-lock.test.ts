// The per-directory save lock (src/directory-lock.ts): a save waits for a live writer's lock and fails with LOCKED
// when it is not released in time, takes over a stale one (dead pid, pid reused by another process, unreadable and
// old), and removes its own when done. interop/tests/test_saver_kill.py runs two writers into one directory.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILENAME, lockDirectory, Saver, SaverError } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const values = () => ({ v: { dtype: 'float32', shape: [1], data: new Float32Array([3]) } });

function lockContent(pid: number, start: string | null): string {
  return JSON.stringify({ pid, host: hostname(), start, nonce: 'f'.repeat(32) });
}

/** A process that lives until killed (for a live lock owner). */
function liveProcess(): { pid: number; stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function procStart(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('directory save lock', () => {
  it('a save holds the lock while it writes and removes it after', async () => {
    const dir = tempDir();
    const release = lockDirectory(dir, { waitMs: 0 });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILENAME), 'utf8')).pid).toBe(process.pid);
    // the same process saving into the locked directory is told at once
    const err = await new Saver(values()).save(join(dir, 'm'), { globalStep: 1 }).catch((e: unknown) => e);
    expect((err as SaverError).code).toBe('LOCKED');
    release();
    expect(existsSync(join(dir, LOCK_FILENAME))).toBe(false);
    await new Saver(values()).save(join(dir, 'm'), { globalStep: 1 });
    expect(existsSync(join(dir, LOCK_FILENAME))).toBe(false);
    expect(existsSync(join(dir, 'm-1.index'))).toBe(true);
  });

  it('a live writer: the save waits, then fails with LOCKED naming the lock file', async () => {
    const dir = tempDir();
    const owner = liveProcess();
    try {
      writeFileSync(join(dir, LOCK_FILENAME), lockContent(owner.pid, procStart(owner.pid)));
      const t0 = Date.now();
      let err: unknown;
      try {
        lockDirectory(dir, { waitMs: 300 });
      } catch (e) {
        err = e;
      }
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      expect(err).toBeInstanceOf(SaverError);
      expect((err as SaverError).code).toBe('LOCKED');
      expect((err as SaverError).path).toBe(join(dir, LOCK_FILENAME));
      expect((err as SaverError).message).toContain(`pid ${owner.pid}`);
    } finally {
      await owner.stop();
    }
    // once its owner is gone the lock is stale and taken over
    const release = lockDirectory(dir, { waitMs: 0 });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILENAME), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('stale locks are taken over: dead pid, reused pid, unreadable and old', async () => {
    const dir = tempDir();
    const lock = join(dir, LOCK_FILENAME);
    const dead = liveProcess();
    const deadPid = dead.pid;
    await dead.stop();
    const other = liveProcess();
    try {
      for (const content of [
        lockContent(deadPid, null),
        lockContent(other.pid, '1'), // that pid's process started at another time: the pid was reused
        '',
      ]) {
        writeFileSync(lock, content);
        if (content === '') utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
        await new Saver(values()).save(join(dir, 'm'), { globalStep: 2 });
        expect(existsSync(lock)).toBe(false);
      }
      // unreadable but fresh: its writer may be between create and write, so it is waited for
      writeFileSync(lock, '');
      expect(() => lockDirectory(dir, { waitMs: 100 })).toThrow(/saving into this directory/);
    } finally {
      await other.stop();
    }
  });
});
