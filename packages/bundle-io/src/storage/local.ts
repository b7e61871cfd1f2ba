// The local file store: plain paths and file:// URLs. Reads are positioned reads on libuv's thread pool straight
// into the caller's buffer (as fileSource's readIntoAsync); writes go to `<file>.tempstate<n>` and become visible by
// fsync + rename, every step through fileOps so the crash tests can stop a save before any one of them.
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError } from '../errors.js';
import { fileOps } from '../file-ops.js';
import { tempFilename } from '../naming.js';
import { type AsyncByteSource, registerStore, type Store, type WriteSink } from './types.js';

/** The file system path of a plain path or a file:// URL. */
export function localPath(location: string): string {
  return location.startsWith('file://') ? fileURLToPath(location) : location;
}

function ioError(err: unknown, what: string, path: string, offset?: number): BundleError {
  const code = (err as { code?: string }).code;
  return new BundleError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `cannot ${what} ${path}: ${(err as Error).message}`, {
    path,
    offset,
    cause: err,
  });
}

async function openSource(location: string): Promise<AsyncByteSource> {
  const path = localPath(location);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err, 'open', path);
  }
  const size = (await fh.stat()).size;
  let bytesRead = 0;
  const readInto = async (offset: number, target: Uint8Array): Promise<void> => {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + target.length > size) {
      throw new BundleError('TRUNCATED', `read of ${target.length} bytes at ${offset} runs past the end (${size})`, {
        path,
        offset,
      });
    }
    let done = 0;
    while (done < target.length) {
      let n: number;
      try {
        // At most 1 GiB a call (read(2) moves at most 2 GiB).
        const len = Math.min(target.length - done, 0x40000000);
        n = (await fh.read(target, done, len, offset + done)).bytesRead;
      } catch (err) {
        throw ioError(err, 'read', path, offset + done);
      }
      if (n <= 0) throw new BundleError('TRUNCATED', `file ended while reading at ${offset + done}`, { path, offset });
      done += n;
    }
    bytesRead += done;
  };
  return {
    location,
    size,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      const out = new Uint8Array(length);
      await readInto(offset, out);
      return out;
    },
    readInto,
    close: () => fh.close(),
  };
}

function createSink(location: string): WriteSink {
  const path = localPath(location);
  const temp = tempFilename(path);
  let fd: number | undefined;
  let offset = 0;
  const start = (): number => {
    if (fd === undefined) {
      try {
        fileOps.mkdirs(dirname(path));
        fd = fileOps.create(temp);
      } catch (err) {
        throw ioError(err, 'create', temp);
      }
    }
    return fd;
  };
  return {
    location,
    write(chunk) {
      const f = start();
      const at = offset;
      offset += chunk.length;
      return new Promise((resolve, reject) => {
        let done = 0;
        const next = (): void => {
          if (done >= chunk.length) {
            resolve();
            return;
          }
          fileOps.writeAsync(f, temp, chunk, done, chunk.length - done, at + done, (err, n) => {
            if (err) {
              reject(ioError(err, 'write', temp, at + done));
              return;
            }
            done += n;
            next();
          });
        };
        next();
      });
    },
    async commit() {
      const f = start();
      try {
        fileOps.fsync(f, temp);
        fileOps.close(f);
        fd = undefined;
        fileOps.rename(temp, path);
      } catch (err) {
        throw ioError(err, 'commit', path);
      }
    },
    async abort() {
      if (fd !== undefined) fileOps.close(fd);
      fd = undefined;
      fileOps.unlink(temp);
    },
  };
}

export const localStore: Store = {
  scheme: 'file',
  writable: true,
  open: openSource,
  async create(location) {
    return createSink(location);
  },
  async exists(location) {
    try {
      await stat(localPath(location));
      return true;
    } catch {
      return false;
    }
  },
  async list(prefix) {
    const dir = localPath(prefix);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return [];
      throw ioError(err, 'list', dir);
    }
    const base = prefix.startsWith('file://') ? (prefix.endsWith('/') ? prefix : `${prefix}/`) : undefined;
    return names.sort().map((n) => (base ? base + n : join(dir, n)));
  },
  async remove(location) {
    fileOps.unlink(localPath(location));
  },
};

registerStore(localStore);
