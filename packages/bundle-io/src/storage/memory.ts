// `mem://name/key`: objects held in this process's memory (tests, the browser, writing a checkpoint to hand over as a
// Blob). No Node built-ins: the browser entry point uses it as it is.
import { BundleError } from '../errors.js';
import { type AsyncByteSource, registerStore, type Store, type WriteSink } from './types.js';

const objects = new Map<string, Uint8Array>();

/** The bytes of a committed `mem://` object (undefined when there is none): how a browser takes a checkpoint away. */
export function memoryObject(location: string): Uint8Array | undefined {
  return objects.get(location);
}

/** Puts bytes under a `mem://` location (a file the user picked, a fetched blob). */
export function putMemoryObject(location: string, bytes: Uint8Array): void {
  objects.set(location, bytes);
}

function source(location: string, bytes: Uint8Array): AsyncByteSource {
  let bytesRead = 0;
  const check = (offset: number, length: number): void => {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new BundleError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`, { path: location, offset });
    }
    if (offset + length > bytes.length) {
      throw new BundleError('TRUNCATED', `read of ${length} bytes runs past the end (${bytes.length} bytes)`, {
        path: location,
        offset,
      });
    }
  };
  return {
    location,
    size: bytes.length,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      check(offset, length);
      bytesRead += length;
      return bytes.slice(offset, offset + length);
    },
    async readInto(offset, target) {
      check(offset, target.length);
      bytesRead += target.length;
      target.set(bytes.subarray(offset, offset + target.length));
    },
    async close() {},
  };
}

function sink(location: string): WriteSink {
  let parts: Uint8Array[] | undefined = [];
  return {
    location,
    async write(chunk) {
      if (!parts) throw new BundleError('IO', 'write after commit or abort', { path: location });
      parts.push(chunk.slice());
    },
    async commit() {
      if (!parts) throw new BundleError('IO', 'commit after commit or abort', { path: location });
      let n = 0;
      for (const p of parts) n += p.length;
      const all = new Uint8Array(n);
      n = 0;
      for (const p of parts) {
        all.set(p, n);
        n += p.length;
      }
      objects.set(location, all);
      parts = undefined;
    },
    async abort() {
      parts = undefined;
    },
  };
}

export const memoryStore: Store = {
  scheme: 'mem',
  writable: true,
  async open(location) {
    const bytes = objects.get(location);
    if (!bytes) throw new BundleError('NOT_FOUND', 'no such object', { path: location });
    return source(location, bytes);
  },
  async create(location) {
    return sink(location);
  },
  async exists(location) {
    return objects.has(location);
  },
  async list(prefix) {
    const dir = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const out: string[] = [];
    for (const k of objects.keys()) if (k.startsWith(dir) && !k.slice(dir.length).includes('/')) out.push(k);
    return out.sort();
  },
  async remove(location) {
    objects.delete(location);
  },
};

registerStore(memoryStore);
