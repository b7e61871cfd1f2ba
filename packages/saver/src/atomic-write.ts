// Whole-file writes that a crash never leaves half-done: bytes go to `<path>.tmp<32 hex>` (TensorFlow's
// atomic_write_string_to_file naming) in the same directory, then one rename(2) puts them in place.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { fileOps } from '@tensorgraft/bundle-io';
import { SaverError } from './errors.js';
import { dirname } from './paths.js';

export interface WriteOptions {
  /** fsync the file before the rename and the directory after it (survives power loss too). Default false. */
  durable?: boolean;
}

/** A temporary name next to `path` that no checkpoint reader looks at. */
export function tempName(path: string): string {
  return `${path}.tmp${randomBytes(16).toString('hex')}`;
}

/** Writes `bytes` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array, options: WriteOptions = {}): void {
  const tmp = tempName(path);
  let fd: number | undefined;
  try {
    fd = fileOps.create(tmp);
    let done = 0;
    while (done < bytes.length) done += fileOps.write(fd, tmp, bytes, done, bytes.length - done);
    if (options.durable) fileOps.fsync(fd, tmp);
    fileOps.close(fd);
    fd = undefined;
    fileOps.rename(tmp, path);
    if (options.durable) syncDirectory(dirname(path));
  } catch (err) {
    if (fd !== undefined) fileOps.close(fd);
    fileOps.unlink(tmp);
    throw ioError(err, `cannot write ${path}`, path);
  }
}

/** fsyncs files already written (e.g. a checkpoint's data and index) and then their directory. */
export function syncFiles(paths: readonly string[]): void {
  for (const p of paths) {
    const fd = openSync(p, 'r');
    try {
      fileOps.fsync(fd, p);
    } finally {
      closeSync(fd);
    }
  }
  const dirs = new Set(paths.map(dirname));
  for (const d of dirs) syncDirectory(d);
}

/** fsyncs a directory so renames in it survive power loss (best effort where directories cannot be opened). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir || '.', 'r');
    fileOps.fsync(fd, dir || '.');
  } catch {
    // Some platforms cannot fsync a directory; the file contents are synced already.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Renames `from` to `to` (replacing it), as a SaverError on failure. */
export function renameInto(from: string, to: string): void {
  try {
    fileOps.rename(from, to);
  } catch (err) {
    fileOps.unlink(from);
    throw ioError(err, `cannot rename ${from} to ${to}`, to);
  }
}

/** A file system error as a SaverError naming the path (NOT_WRITABLE for missing dirs and refused writes). */
export function ioError(err: unknown, message: string, path: string): SaverError {
  if (err instanceof SaverError) return err;
  return new SaverError('NOT_WRITABLE', `${message}: ${(err as Error).message ?? String(err)}`, { path, cause: err });
}
