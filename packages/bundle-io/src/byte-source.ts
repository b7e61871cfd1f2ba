// A ByteSource over a file (positioned reads); the rest of the ByteSource machinery is in memory-source.ts.
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { BundleError } from './errors.js';
import { type ByteSource, checkRange } from './memory-source.js';

export { type ByteSource, bytesSource, PRECHECK_BYTES, streamCrc32c } from './memory-source.js';

/** A ByteSource over a file, read with positioned reads (pread) straight into the caller's buffer. */
export function fileSource(path: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new BundleError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `cannot open ${path}: ${(err as Error).message}`, {
      path,
      cause: err,
    });
  }
  const size = fstatSync(fd).size;
  let bytesRead = 0;
  let open = true;
  const src: ByteSource = {
    path,
    size,
    get bytesRead() {
      return bytesRead;
    },
    readInto(offset, target) {
      checkRange(src, offset, target.length);
      if (!open) throw new BundleError('IO', 'read after close', { path, offset });
      let done = 0;
      // readSync reads at most 2 GiB at a time; loop until the whole range is in.
      while (done < target.length) {
        const chunk = Math.min(target.length - done, 0x40000000);
        const n = readSync(fd, target, done, chunk, offset + done);
        if (n <= 0)
          throw new BundleError('TRUNCATED', `file ended while reading at ${offset + done}`, { path, offset });
        done += n;
      }
      bytesRead += done;
    },
    read(offset, length) {
      checkRange(src, offset, length);
      const out = new Uint8Array(length);
      src.readInto(offset, out);
      return out;
    },
    readIntoAsync(offset, target) {
      checkRange(src, offset, target.length);
      if (!open) return Promise.reject(new BundleError('IO', 'read after close', { path, offset }));
      return new Promise((resolve, reject) => {
        let done = 0;
        const next = (): void => {
          if (done >= target.length) {
            bytesRead += done;
            resolve();
            return;
          }
          read(fd, target, done, Math.min(target.length - done, 0x40000000), offset + done, (err, n) => {
            if (err)
              reject(
                new BundleError('IO', `cannot read ${path}: ${err.message}`, {
                  path,
                  offset: offset + done,
                  cause: err,
                }),
              );
            else if (n <= 0)
              reject(new BundleError('TRUNCATED', `file ended while reading at ${offset + done}`, { path, offset }));
            else {
              done += n;
              next();
            }
          });
        };
        next();
      });
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
  return src;
}
