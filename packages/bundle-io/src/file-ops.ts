// The file operations that change what is on disk (create, write, fsync, rename, link, delete, mkdir), for every writer of
// bundle-io and @tensorgraft/saver: one place, so crash tests can stop a process before any one of them.
//
// Test hooks, read once from the environment (inert unless set):
//   TENSORGRAFT_FILE_OPS_TRACE=1        prints `fileop <n> <kind> <path>` to stderr before the n-th operation
//   TENSORGRAFT_KILL_BEFORE_FILE_OP=<n> SIGKILLs this process just before the n-th operation (1-based, counted over
//                                       the whole process), as a crash or power cut would stop it there
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  rmSync,
  write,
  writeSync,
} from 'node:fs';

export type FileOpKind = 'create' | 'write' | 'fsync' | 'rename' | 'link' | 'unlink' | 'rmdir' | 'mkdir';

const env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env;
const trace = env.TENSORGRAFT_FILE_OPS_TRACE === '1';
const killAt = Number(env.TENSORGRAFT_KILL_BEFORE_FILE_OP ?? 0) || 0;
let count = 0;

function before(kind: FileOpKind, path: string): void {
  if (!trace && !killAt) return;
  count++;
  if (trace) writeSync(2, `fileop ${count} ${kind} ${path}\n`);
  if (count === killAt) process.kill(process.pid, 'SIGKILL');
}

export const fileOps = {
  /** open(path, 'w'): creates or truncates; returns the descriptor. */
  create(path: string): number {
    before('create', path);
    return openSync(path, 'w');
  },
  /** open(path, O_CREAT | O_EXCL | O_WRONLY): fails with EEXIST when the path exists (lock files). */
  createExclusive(path: string): number {
    before('create', path);
    return openSync(path, 'wx');
  },
  /** One write(2) at `position` (or the file offset); returns the bytes written. */
  write(fd: number, path: string, bytes: Uint8Array, offset: number, length: number, position?: number): number {
    before('write', path);
    return position === undefined
      ? writeSync(fd, bytes, offset, length)
      : writeSync(fd, bytes, offset, length, position);
  },
  /** write(2) on libuv's thread pool. */
  writeAsync(
    fd: number,
    path: string,
    bytes: Uint8Array,
    offset: number,
    length: number,
    position: number,
    done: (err: NodeJS.ErrnoException | null, written: number) => void,
  ): void {
    before('write', path);
    write(fd, bytes, offset, length, position, done);
  },
  fsync(fd: number, path: string): void {
    before('fsync', path);
    fsyncSync(fd);
  },
  close(fd: number): void {
    closeSync(fd);
  },
  rename(from: string, to: string): void {
    before('rename', `${from} -> ${to}`);
    renameSync(from, to);
  },
  /** A second name for a file; fails with EEXIST when `to` exists (an atomic create-if-absent of whole content). */
  link(from: string, to: string): void {
    before('link', `${from} -> ${to}`);
    linkSync(from, to);
  },
  /** Deletes a file; absent is fine. */
  unlink(path: string): void {
    before('unlink', path);
    rmSync(path, { force: true });
  },
  /** Deletes a directory and what it holds; absent is fine. */
  removeTree(path: string): void {
    before('rmdir', path);
    rmSync(path, { recursive: true, force: true });
  },
  /** Deletes an empty directory (throws when it is not empty, as rmdir(2)). */
  rmdir(path: string): void {
    before('rmdir', path);
    rmdirSync(path);
  },
  mkdirs(path: string): void {
    before('mkdir', path);
    mkdirSync(path, { recursive: true });
  },
};
