// Sequential writes to a file through a descriptor, tracking the running offset; used for data shards and tables.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { BundleError } from './errors.js';

export class FileSink {
  private fd: number | undefined;
  offset = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new BundleError('IO', `cannot create ${path}: ${(err as Error).message}`, { path, cause: err });
    }
  }

  append(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new BundleError('IO', 'write after close', { path: this.path });
    let done = 0;
    try {
      while (done < bytes.length) {
        done += writeSync(this.fd, bytes, done, Math.min(bytes.length - done, 0x40000000));
      }
    } catch (err) {
      throw new BundleError('IO', `cannot write ${this.path}: ${(err as Error).message}`, {
        path: this.path,
        offset: this.offset + done,
        cause: err,
      });
    }
    this.offset += bytes.length;
  }

  close(sync = false): void {
    if (this.fd === undefined) return;
    if (sync) fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
