// The storage seam: every reader and writer of checkpoints and event files works through these three interfaces, so a
// local file, bytes in memory, an S3-compatible bucket and an HTTP(S) server are interchangeable. Nothing in this file
// imports a Node built-in: it is shared by the Node and the browser entry points.

/** Positioned, asynchronous reads of one object (a file, a bucket key, a URL): several reads may be in flight. */
export interface AsyncByteSource {
  /** The location as the user gave it (path or URL), for error messages. */
  readonly location: string;
  /** Total size in bytes, known once the source is open. */
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` (a BundleError TRUNCATED if the object ends first). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Like read, straight into `target` (no copy) where the store can: local files do; others may leave it out. */
  readInto?(offset: number, target: Uint8Array): Promise<void>;
  /**
   * Reads `targets` back to back from `offset` (the first gets the bytes at offset, the next those right after, ...)
   * with one request where the store can: one GET for several small neighbouring tensors, or for pieces of one
   * tensor and the start of the next. Optional; callers fall back to readInto per target.
   */
  readIntoScattered?(offset: number, targets: readonly Uint8Array[]): Promise<void>;
  /**
   * How a whole-object read goes fastest on this store (reads in flight, bytes per read): what AsyncBundleReader's
   * getAll uses when its caller does not say. Absent: the reader's defaults.
   */
  readonly preferredReads?: { concurrency: number; rangeBytes: number };
  /** Total bytes transferred so far: what tests of lazy reading and benchmarks of remote reads count. */
  readonly bytesRead: number;
  close(): Promise<void>;
}

/**
 * A streamed write of one object that becomes visible only at commit(): a temp file renamed into place, a multipart
 * upload completed, a Blob handed over. abort() (or a crash before commit) leaves nothing a reader would see.
 */
export interface WriteSink {
  readonly location: string;
  /** Appends bytes; the sink may keep a reference to `chunk` until the returned promise settles. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the object visible under its location, complete, durable where the store can promise it. */
  commit(): Promise<void>;
  /** Drops everything written; safe to call after a failed write or commit. */
  abort(): Promise<void>;
}

/** One kind of location (a scheme): opens sources and sinks, and the few directory-like operations checkpoints need. */
export interface Store {
  /** `file`, `mem`, `s3`, `http`, ... */
  readonly scheme: string;
  /** Whether create/remove work here (http(s) is read-only). */
  readonly writable: boolean;
  open(location: string): Promise<AsyncByteSource>;
  create(location: string): Promise<WriteSink>;
  /** Whether an object exists at `location` (false, not an error, when it does not). */
  exists(location: string): Promise<boolean>;
  /** Locations of the objects directly under the directory-like `prefix` (no recursion), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes one object; no error if it is already gone. */
  remove(location: string): Promise<void>;
}

const stores = new Map<string, Store>();

/** Registers (or replaces) the store that serves `scheme:` locations. */
export function registerStore(store: Store): void {
  stores.set(store.scheme, store);
}

/** The scheme of a location: `s3://b/k` -> `s3`; a plain path (including `C:\...`) -> `file`. */
export function schemeOf(location: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  return m ? m[1]!.toLowerCase() : 'file';
}

/** The registered store for a location, or undefined when none serves its scheme. */
export function findStore(location: string): Store | undefined {
  const scheme = schemeOf(location);
  return stores.get(scheme === 'https' ? 'http' : scheme);
}
