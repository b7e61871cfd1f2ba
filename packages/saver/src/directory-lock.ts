// One writer per checkpoint directory at a time: every save (Saver, CheckpointManager, GraphSaver) holds
// `<dir>/.tensorgraft-save.lock` from its first file operation to its last, so two programs saving into one directory
// never interleave their writes, retention and state files (two CheckpointManagers at a 20 ms cadence used to leave
// the state file's latest entry without its `.index`, and saves failing with ENOENT on rename).
//
// Taking it: `{"pid", "host", "start", "nonce"}` is written to `<lock>.new<hex>` and link(2)ed to the lock's name,
// which fails when it exists (so a lock file never exists without its content, even if the writer is killed); the
// file is removed when the save ends. A save finding it held by a live writer waits (polling, up to LOCK_WAIT_MS) and then fails with LOCKED; a save
// of the same process finding its own lock (a save still awaiting something) fails with LOCKED at once.
// A stale lock (its writer was killed) is taken over:
//   - same host: the pid is gone, or it now belongs to another process (Linux: /proc/<pid>/stat start time differs);
//   - another host (a shared file system, where pids say nothing): last modified more than STALE_FOREIGN_MS ago;
//   - unreadable content (damaged; never written so): last modified more than STALE_EMPTY_MS ago.
// Taking over renames the stale file to a unique name first and checks it is the one judged stale (nonce), so two
// savers breaking one stale lock at once cannot both win; a lock someone else created meanwhile is put back.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileOps } from '@tensorgraft/bundle-io';
import { SaverError } from './errors.js';
import { join } from './paths.js';

export const LOCK_FILENAME = '.tensorgraft-save.lock';
/** How long a save waits for another live writer before failing with LOCKED. */
export const LOCK_WAIT_MS = 30_000;
/** A lock from another host is taken over after this long (its owner's liveness cannot be checked). */
export const STALE_FOREIGN_MS = 10 * 60_000;
/** A lock without readable content (damaged, or a kill mid-create where hard links are missing) is stale after this. */
export const STALE_EMPTY_MS = 10_000;

interface LockInfo {
  pid: number;
  host: string;
  start: string | null;
  nonce: string;
}

/** Locks held by this process (path -> nonce). */
const held = new Map<string, string>();

/** Start time of a process in clock ticks since boot (Linux), to tell a pid reused by another process. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' && typeof info.nonce === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Is the lock at `path` (content `info`) left by a writer that is gone? */
function isStale(path: string, info: LockInfo | undefined): boolean {
  const age = ageMs(path);
  if (age === undefined) return false; // gone already: the caller retries
  if (!info) return age > STALE_EMPTY_MS;
  if (info.host !== hostname()) return age > STALE_FOREIGN_MS;
  if (info.pid === process.pid) return held.get(path) !== info.nonce;
  if (!alive(info.pid)) return true;
  const start = processStart(info.pid);
  return info.start !== null && start !== null && start !== info.start;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function tryCreate(path: string, info: LockInfo): boolean {
  const bytes = new TextEncoder().encode(JSON.stringify(info));
  const tmp = `${path}.new${randomBytes(8).toString('hex')}`;
  try {
    const fd = fileOps.create(tmp);
    try {
      fileOps.write(fd, tmp, bytes, 0, bytes.length);
    } finally {
      fileOps.close(fd);
    }
    fileOps.link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links: O_EXCL create, then the content (a kill in between leaves an empty lock,
    // taken over after STALE_EMPTY_MS).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      return tryCreateExclusive(path, bytes);
    }
    throw lockError(path, err);
  } finally {
    fileOps.unlink(tmp);
  }
}

function tryCreateExclusive(path: string, bytes: Uint8Array): boolean {
  let fd: number;
  try {
    fd = fileOps.createExclusive(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(path, err);
  }
  try {
    fileOps.write(fd, path, bytes, 0, bytes.length);
  } finally {
    fileOps.close(fd);
  }
  return true;
}

function lockError(path: string, err: unknown): SaverError {
  return new SaverError('NOT_WRITABLE', `cannot create the lock file ${path}: ${(err as Error).message}`, {
    path,
    cause: err,
  });
}

/** Moves a stale lock out of the way; puts back a fresh one that replaced it in the meantime. */
function breakStale(path: string, stale: LockInfo | undefined): void {
  const aside = `${path}.stale${randomBytes(8).toString('hex')}`;
  try {
    fileOps.rename(path, aside);
  } catch {
    return; // someone else moved it
  }
  const moved = readLock(aside);
  if (moved?.nonce !== stale?.nonce) {
    try {
      fileOps.link(aside, path);
    } catch {
      // another writer created a lock in between: theirs stands
    }
  }
  fileOps.unlink(aside);
}

/**
 * Takes the save lock of `dir`; returns the function that releases it. Throws LOCKED when another writer holds it
 * longer than `waitMs` (default LOCK_WAIT_MS), or at once when a save of this same process holds it.
 */
export function lockDirectory(dir: string, options: { waitMs?: number } = {}): () => void {
  const waitMs = options.waitMs ?? LOCK_WAIT_MS;
  const path = join(dir || '.', LOCK_FILENAME);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    start: processStart(process.pid),
    nonce: randomBytes(16).toString('hex'),
  };
  const deadline = Date.now() + waitMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    if (tryCreate(path, info)) break;
    const other = readLock(path);
    if (other?.pid === process.pid && other.host === info.host && held.get(path) === other.nonce) {
      throw new SaverError('LOCKED', 'another save of this process is writing into this directory', { path });
    }
    if (isStale(path, other)) {
      breakStale(path, other);
      continue;
    }
    if (Date.now() > deadline) {
      throw new SaverError(
        'LOCKED',
        `another writer (pid ${other?.pid ?? '?'} on ${other?.host ?? '?'}) has been saving into this directory for ` +
          `over ${waitMs / 1000} s`,
        { path },
      );
    }
    sleep(wait);
  }
  held.set(path, info.nonce);
  return () => {
    held.delete(path);
    if (readLock(path)?.nonce === info.nonce) fileOps.unlink(path);
  };
}

/** Runs `fn` holding the save lock of `dir`. */
export async function withDirectoryLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const release = lockDirectory(dir);
  try {
    return await fn();
  } finally {
    release();
  }
}
