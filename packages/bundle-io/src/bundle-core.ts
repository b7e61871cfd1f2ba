// Reads a TensorBundle V2 checkpoint (the core shared by the sync and async readers) (layout in bundle-writer.ts). Opening reads the `.index` table only; get(name)
// reads just that tensor's bytes from its data shard with one positioned read straight into the returned typed array,
// and checks its crc32c. Partitioned tensors are assembled from their slices; big-endian bundles are byte-swapped
// after the checksum (which is over the bytes as stored).

import type { tensorflow } from '@tensorgraft/proto';
import { crc32c, dtypeInfo, unmaskCrc } from '@tensorgraft/proto/lite';
import { decodeBundleEntry, decodeBundleHeader } from './bundle-proto.js';
import type { VerifyOptions } from './checkpoint.js';
import { BundleError, wrapError } from './errors.js';
import { keyToName } from './key-text.js';
import { safeInt } from './long.js';
import { type ByteSource, PRECHECK_BYTES, streamCrc32c } from './memory-source.js';
import { dataFilename } from './naming.js';
import { copySliceInto, extentsFromProto, resolveExtents } from './slice.js';
import { encodeSliceKey } from './slice-key.js';
import { decodeStrings } from './string-data.js';
import { keyLabel } from './table/block-reader.js';
import { TableReader } from './table/table-reader.js';
import {
  allocate,
  byteSwap,
  checkpointDType,
  HOST_LITTLE_ENDIAN,
  type NumericData,
  numElements,
  type SliceExtent,
  type Tensor,
} from './tensor.js';

export interface ReadOptions {
  /** Check tensor and block checksums (default true). */
  verifyChecksums?: boolean;
}

/** What the index says about one tensor. */
export interface BundleEntry {
  name: string;
  /** TensorFlow's dtype name ('float32'); `dtype_<n>` for an enum value this package does not know. */
  dtype: string;
  dtypeEnum: number;
  shape: number[];
  /** Bytes the tensor takes in the data files (sum over slices for a partitioned tensor). */
  size: number;
  shardId: number;
  offset: number;
  /** The stored (masked) crc32c. */
  crc32c: number;
  /** For a partitioned tensor, the stored slices; empty otherwise. */
  slices: SliceExtent[][];
}

export interface BundleHeader {
  numShards: number;
  endianness: 'little' | 'big';
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

/** An index entry; its BundleEntryProto is decoded when first needed (opening only splits the table). */
class RawEntry {
  private decoded: tensorflow.BundleEntryProto.$Properties | undefined;

  constructor(
    readonly key: Uint8Array,
    private readonly value: Uint8Array,
    private readonly path: string | undefined,
  ) {}

  get proto(): tensorflow.BundleEntryProto.$Properties {
    if (!this.decoded) {
      try {
        this.decoded = decodeBundleEntry(this.value);
      } catch (err) {
        wrapError(err, 'CORRUPT_ENTRY', 'cannot decode index entry', { path: this.path, tensor: keyLabel(this.key) });
      }
    }
    return this.decoded;
  }
}

/** Where a reader gets its files; tests and browsers pass in-memory sources. */
export interface BundleFiles {
  /** Name for messages. */
  prefix: string;
  index: ByteSource;
  /** Opens data shard `shard` of `numShards` (NOT_FOUND if it is missing). */
  openShard(shard: number, numShards: number): ByteSource;
}

/**
 * The V2 reader over any ByteSources (no Node built-ins): BundleReader adds opening local files, AsyncBundleReader
 * reads through the storage seam.
 */
export class BundleCore {
  readonly format = 'v2' as const;
  readonly prefix: string;
  readonly header: BundleHeader;
  private readonly files: BundleFiles;
  private readonly verify: boolean;
  private readonly byName = new Map<string, RawEntry>();
  private readonly sliceEntries = new Map<string, RawEntry>();
  private readonly order: string[] = [];
  private readonly shards = new Map<number, ByteSource>();
  private readonly swap: boolean;

  constructor(files: BundleFiles, options: ReadOptions = {}) {
    this.files = files;
    this.prefix = files.prefix;
    this.verify = options.verifyChecksums ?? true;
    const path = files.index.path;
    const table = new TableReader(files.index, { verifyChecksums: this.verify });
    let header: BundleHeader | undefined;
    // Keys starting with a NUL byte: slices of partitioned tensors (their keys start with OrderedCode's 0x00), or
    // tensors whose own name starts with NUL (SaveV2 writes such names). Sorted out once every entry is known.
    const nulKeys: RawEntry[] = [];
    for (const { key, value } of table.entries()) {
      if (key.length === 0) {
        header = parseHeader(value, path);
        continue;
      }
      if (!header) throw new BundleError('CORRUPT_TABLE', 'index has no header entry (key "")', { path, offset: 0 });
      const raw = new RawEntry(key, value, path);
      if (key[0] === 0) nulKeys.push(raw);
      else this.addTensor(raw);
    }
    if (!header) throw new BundleError('CORRUPT_TABLE', 'index has no header entry (key "")', { path, offset: 0 });
    this.header = header;
    if (nulKeys.length) this.sortNulKeys(nulKeys);
    this.swap = (header.endianness === 'big') === HOST_LITTLE_ENDIAN;
  }

  private addTensor(raw: RawEntry): void {
    const name = keyToName(raw.key);
    this.byName.set(name, raw);
    this.order.push(name);
  }

  /**
   * As TensorFlow's checkpoint reader (BuildV2VarMaps): a key is a slice entry when some partitioned tensor's
   * slices encode to it; every other key is a tensor, whatever its first byte. NUL-led keys sort before every other
   * name, so they go to the front of the order.
   */
  private sortNulKeys(nulKeys: RawEntry[]): void {
    const sliceKeys = new Set<string>();
    for (const raw of [...nulKeys, ...this.byName.values()]) {
      try {
        const slices = raw.proto.slices;
        if (!slices?.length) continue;
        const name = keyToName(raw.key);
        const d = { path: this.files.index.path, tensor: name };
        const rank = shapeOf(raw.proto.shape, d).length;
        for (const s of slices) sliceKeys.add(latin1(encodeSliceKey(name, extentsFromProto(s, rank, d))));
      } catch (err) {
        // A damaged entry names no slices; reading that tensor reports the damage (verify names it).
        if (!(err instanceof BundleError)) throw err;
      }
    }
    const rest = this.order.splice(0);
    for (const raw of nulKeys) {
      const k = latin1(raw.key);
      if (sliceKeys.has(k)) this.sliceEntries.set(k, raw);
      else this.addTensor(raw);
    }
    this.order.push(...rest);
  }

  /** Tensor names in index (bytewise) order. */
  names(): string[] {
    return [...this.order];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every tensor's index entry, in name order. */
  entries(): BundleEntry[] {
    return this.order.map((n) => this.entry(n));
  }

  /** One tensor's index entry (NOT_FOUND if there is none). */
  entry(name: string): BundleEntry {
    const raw = this.raw(name);
    const p = raw.proto;
    const d = { path: this.files.index.path, tensor: name };
    const dtypeEnum = p.dtype ?? 0;
    let dtype: string;
    try {
      dtype = dtypeInfo(dtypeEnum).name;
    } catch {
      dtype = `dtype_${dtypeEnum}`;
    }
    const shape = shapeOf(p.shape, d);
    const slices = (p.slices ?? []).map((s) => extentsFromProto(s, shape.length, d));
    let size = safeInt(p.size, 'size', d);
    if (slices.length) {
      size = 0;
      for (const s of slices) {
        const se = this.sliceEntries.get(latin1(encodeSliceKey(name, s)));
        if (se) size += safeInt(se.proto.size, 'size', d);
      }
    }
    return {
      name,
      dtype,
      dtypeEnum,
      shape,
      size,
      shardId: safeInt(p.shard_id, 'shard_id', d),
      offset: safeInt(p.offset, 'offset', d),
      crc32c: p.crc32c ?? 0,
      slices,
    };
  }

  /**
   * The byte ranges reading `name` touches in its data shards, and whether the read is synchronous (strings and
   * partitioned tensors: readers over remote sources fetch these ranges first, then decode from memory).
   */
  byteRanges(name: string): { ranges: { shardId: number; offset: number; size: number }[]; sync: boolean } {
    const raw = this.raw(name);
    const d = { path: this.files.index.path, tensor: name };
    const range = (p: tensorflow.BundleEntryProto.$Properties) => ({
      shardId: safeInt(p.shard_id, 'shard_id', d),
      offset: safeInt(p.offset, 'offset', d),
      size: safeInt(p.size, 'size', d),
    });
    const slices = this.entry(name).slices;
    if (slices.length) {
      const ranges = [];
      for (const s of slices) {
        const se = this.sliceEntries.get(latin1(encodeSliceKey(name, s)));
        if (se) ranges.push(range(se.proto));
      }
      return { ranges, sync: true };
    }
    const info = checkpointDType(raw.proto.dtype ?? 0, name, d.path);
    return { ranges: [range(raw.proto)], sync: info.kind === 'string' };
  }

  /** Reads a whole tensor (a partitioned one is assembled from its slices). */
  get(name: string): Tensor {
    const raw = this.raw(name);
    if (!raw.proto.slices?.length) {
      return this.readEntry(name, raw.proto, shapeOf(raw.proto.shape, { path: this.files.index.path, tensor: name }));
    }
    return this.assemble(this.entry(name));
  }

  /** Reads one stored slice of a partitioned tensor, as listed in entry(name).slices. */
  getSlice(name: string, extents: SliceExtent[]): Tensor {
    const entry = this.entry(name);
    const where = { path: this.files.index.path, tensor: name };
    if (entry.slices.length === 0) {
      // A tensor saved whole read as one slice: only the full slice is stored.
      const { starts, lengths } = resolveExtents(extents, entry.shape, where);
      if (starts.some((s) => s !== 0) || lengths.some((l, d) => l !== entry.shape[d])) {
        throw new BundleError('NOT_FOUND', 'no such stored slice', where);
      }
      return this.get(name);
    }
    const { lengths } = resolveExtents(extents, entry.shape, where);
    const se = this.sliceEntries.get(latin1(encodeSliceKey(name, extents)));
    if (!se) throw new BundleError('NOT_FOUND', `no stored slice ${JSON.stringify(extents)}`, where);
    const t = this.readEntry(name, se.proto, lengths);
    if (t.dtype !== entry.dtype)
      throw new BundleError('CORRUPT_ENTRY', `slice dtype ${t.dtype} vs tensor dtype ${entry.dtype}`, where);
    return t;
  }

  /** Every tensor in name order, read one at a time as the iteration reaches it. */
  *tensors(): Generator<[string, Tensor]> {
    for (const name of this.names()) yield [name, this.get(name)];
  }

  /** Reads every tensor and checks every checksum; returns the problems by tensor name (empty when all is well). */
  verifyAll(options: VerifyOptions = {}): Map<string, BundleError> {
    const problems = new Map<string, BundleError>();
    for (const name of this.order) {
      try {
        this.verifyEntry(name);
      } catch (err) {
        problems.set(
          name,
          err instanceof BundleError ? err : new BundleError('CORRUPT_DATA', String(err), { tensor: name, cause: err }),
        );
      }
      options.onTensor?.(name);
    }
    return problems;
  }

  close(): void {
    this.files.index.close();
    for (const s of this.shards.values()) s.close();
    this.shards.clear();
  }

  /** Total bytes read from the index and data files so far. */
  get bytesRead(): number {
    let n = this.files.index.bytesRead;
    for (const s of this.shards.values()) n += s.bytesRead;
    return n;
  }

  private raw(name: string): RawEntry {
    const raw = this.byName.get(name);
    if (!raw)
      throw new BundleError('NOT_FOUND', 'no such tensor in the checkpoint', {
        path: this.files.index.path,
        tensor: name,
      });
    return raw;
  }

  private shard(id: number, tensor: string): ByteSource {
    let s = this.shards.get(id);
    if (!s) {
      if (id < 0 || id >= this.header.numShards) {
        throw new BundleError('CORRUPT_ENTRY', `shard id ${id} outside 0..${this.header.numShards - 1}`, {
          path: this.files.index.path,
          tensor,
        });
      }
      try {
        s = this.files.openShard(id, this.header.numShards);
      } catch (err) {
        if (err instanceof BundleError) {
          throw new BundleError(
            err.code,
            `data shard ${id} of ${this.header.numShards} cannot be opened: ${err.message}`,
            {
              path: err.path ?? dataFilename(this.prefix, id, this.header.numShards),
              tensor,
              cause: err,
            },
          );
        }
        throw err;
      }
      this.shards.set(id, s);
    }
    return s;
  }

  private readEntry(name: string, p: tensorflow.BundleEntryProto.$Properties, shape: number[]): Tensor {
    const job = this.prepare(name, p, shape);
    if (job.kind === 'done') return job.tensor;
    if (this.verify && job.bytes.length > PRECHECK_BYTES) {
      // The typed array is allocated but not yet touched (no pages behind it): check the crc through a bounded
      // buffer first, so a damaged multi-GiB entry fails without the process growing by its size.
      const crc = streamCrc32c(job.src, job.offset, job.bytes.length);
      job.check(crc);
      job.src.readInto(job.offset, job.bytes);
      return job.finish(crc);
    }
    job.src.readInto(job.offset, job.bytes);
    return job.finish();
  }

  /** Checks one tensor's crc32c without reading it into memory of its own (bounded buffer); throws what get() would. */
  private verifyEntry(name: string): void {
    const raw = this.raw(name);
    if (raw.proto.slices?.length) {
      this.get(name);
      return;
    }
    const job = this.prepare(name, raw.proto, shapeOf(raw.proto.shape, { path: this.files.index.path, tensor: name }));
    if (job.kind === 'read' && this.verify) job.check(streamCrc32c(job.src, job.offset, job.bytes.length));
  }

  /**
   * Validates an entry against its shard and allocates the result; numeric tensors come back as a read job (bytes to
   * fill, then finish() checks the crc and swaps), so sync and async reads share every check.
   */
  private prepare(
    name: string,
    p: tensorflow.BundleEntryProto.$Properties,
    shape: number[],
    into?: NumericData,
  ): ReadJob {
    const ipath = this.files.index.path;
    const d = { path: ipath, tensor: name };
    const info = checkpointDType(p.dtype ?? 0, name, ipath);
    const stored = shapeOf(p.shape, d);
    if (stored.length !== shape.length || stored.some((v, i) => v !== shape[i])) {
      throw new BundleError(
        'CORRUPT_ENTRY',
        `stored shape ${JSON.stringify(stored)}, expected ${JSON.stringify(shape)}`,
        d,
      );
    }
    const shardId = safeInt(p.shard_id, 'shard_id', d);
    const offset = safeInt(p.offset, 'offset', d);
    const size = safeInt(p.size, 'size', d);
    const n = numElements(shape);
    const src = this.shard(shardId, name);
    if (offset < 0 || size < 0 || offset + size > src.size) {
      throw new BundleError(
        'TRUNCATED',
        `entry ${offset}+${size} points past the end of its data shard (${src.size} bytes)`,
        {
          path: src.path,
          offset,
          tensor: name,
        },
      );
    }
    const stored32 = unmaskCrc(p.crc32c ?? 0);
    const mismatch = () =>
      new BundleError('TENSOR_CHECKSUM', 'tensor checksum mismatch', { path: src.path, offset, tensor: name });
    if (info.kind === 'string') {
      // Each string takes at least one length byte.
      if (n > size) {
        throw new BundleError('CORRUPT_ENTRY', `${n} strings cannot fit in ${size} bytes`, {
          path: src.path,
          offset,
          tensor: name,
        });
      }
      const bytes = src.read(offset, size);
      const { values, crc } = decodeStrings(bytes, n, { path: src.path, offset, tensor: name }, this.verify);
      if (this.verify && crc !== stored32) throw mismatch();
      return { kind: 'done', tensor: { dtype: info.name, shape, data: values } };
    }
    if (n * info.itemSize !== size) {
      throw new BundleError(
        'CORRUPT_ENTRY',
        `size ${size} does not match ${info.name} x ${JSON.stringify(shape)} (${n * info.itemSize} bytes)`,
        { path: ipath, tensor: name },
      );
    }
    const data = into ?? allocate(info, n);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const verify = this.verify;
    const swap = this.swap;
    return {
      kind: 'read',
      src,
      offset,
      bytes,
      check: (crc: number) => {
        if (crc !== stored32) throw mismatch();
      },
      finish: (crc?: number) => {
        if (verify && (crc ?? crc32c(bytes)) !== stored32) throw mismatch();
        if (swap) byteSwap(bytes, info.kind === 'complex' ? info.itemSize / 2 : info.itemSize);
        return { dtype: info.name, shape, data };
      },
    };
  }

  /**
   * Reads a tensor straight into `target` (for instance a variable's existing buffer), which must be the dtype's typed
   * array with exactly the tensor's element count. Memory that is already in use takes the bytes at page-cache copy
   * speed, without the page faults a fresh allocation costs. Returns `target`.
   */
  readInto<T extends NumericData>(name: string, target: T): T {
    const raw = this.raw(name);
    const where = { path: this.files.index.path, tensor: name };
    const entry = this.entry(name);
    const info = checkpointDType(entry.dtypeEnum, name, where.path);
    const n = numElements(entry.shape) * (info.kind === 'complex' ? 2 : 1);
    if (info.kind === 'string' || !(target instanceof info.arrayType!) || target.length !== n) {
      throw new BundleError(
        'INVALID_ARGUMENT',
        `readInto needs a ${info.arrayType?.name ?? 'numeric array'} of ${n} elements`,
        where,
      );
    }
    if (raw.proto.slices?.length) {
      target.set(this.get(name).data as never);
      return target;
    }
    const job = this.prepare(name, raw.proto, entry.shape, target);
    if (job.kind === 'done') return target;
    job.src.readInto(job.offset, job.bytes);
    job.finish();
    return target;
  }

  /**
   * Reads a tensor off the main thread: a large tensor is read as several chunks at once through the file's thread
   * pool (page faults and copies then run on several cores), and its crc is checked when all chunks are in.
   */
  async getAsync(name: string): Promise<Tensor> {
    const raw = this.raw(name);
    if (raw.proto.slices?.length) return this.get(name);
    const job = this.prepare(name, raw.proto, shapeOf(raw.proto.shape, { path: this.files.index.path, tensor: name }));
    if (job.kind === 'done') return job.tensor;
    await readChunked(job.src, job.offset, job.bytes);
    return job.finish();
  }

  /**
   * Reads several tensors (default: all) with up to `concurrency` reads in flight; returns them by name. This is the
   * fastest way to restore a whole checkpoint.
   */
  async getAll(
    names: readonly string[] = this.order,
    options: number | { concurrency?: number; chunkBytes?: number } = {},
  ): Promise<Map<string, Tensor>> {
    const opts = typeof options === 'number' ? { concurrency: options } : options;
    const concurrency = opts.concurrency ?? 4;
    const chunkBytes = opts.chunkBytes ?? CHUNK;
    const out = new Map<string, Tensor>();
    const jobs: { name: string; job: ReadJob }[] = [];
    for (const name of names) {
      const raw = this.raw(name);
      if (raw.proto.slices?.length) out.set(name, this.get(name));
      else
        jobs.push({
          name,
          job: this.prepare(name, raw.proto, shapeOf(raw.proto.shape, { path: this.files.index.path, tensor: name })),
        });
    }
    // Chunks of every tensor in one queue. As chunks land, each tensor's crc is extended over the ones that are in
    // order, so checksumming overlaps the reads still in flight instead of following them.
    const chunks: Piece[] = [];
    for (const { name, job } of jobs) {
      if (job.kind === 'done') {
        out.set(name, job.tensor);
        continue;
      }
      const parts = splitChunks(job.bytes.length, chunkBytes, job.offset);
      const landed = new Array<boolean>(parts.length).fill(false);
      let crcUpTo = 0;
      let crc = 0;
      parts.forEach(([a, b], i) => {
        chunks.push({
          src: job.src,
          offset: job.offset + a,
          bytes: job.bytes.subarray(a, b),
          done: () => {
            landed[i] = true;
            while (crcUpTo < parts.length && landed[crcUpTo]) {
              const [x, y] = parts[crcUpTo]!;
              if (this.verify) crc = crc32c(job.bytes.subarray(x, y), crc);
              crcUpTo++;
            }
            if (crcUpTo === parts.length) out.set(name, job.finish(crc));
          },
        });
      });
    }
    const reads = groupReads(chunks, chunkBytes);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < reads.length) {
        const group = reads[next++]!;
        const c = group[0]!;
        if (group.length > 1)
          await c.src.readIntoScatteredAsync!(
            c.offset,
            group.map((g) => g.bytes),
          );
        else if (c.src.readIntoAsync) await c.src.readIntoAsync(c.offset, c.bytes);
        else c.src.readInto(c.offset, c.bytes);
        for (const g of group) g.done();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    return new Map(names.map((n) => [n, out.get(n)!]));
  }

  private assemble(entry: BundleEntry): Tensor {
    const where = { path: this.files.index.path, tensor: entry.name };
    const info = checkpointDType(entry.dtypeEnum, entry.name, where.path);
    const n = numElements(entry.shape);
    let covered = 0;
    const parts = entry.slices.map((s) => {
      const r = resolveExtents(s, entry.shape, where);
      covered += numElements(r.lengths);
      return { extents: s, ...r };
    });
    if (covered !== n) {
      throw new BundleError('CORRUPT_ENTRY', `slices cover ${covered} of ${n} elements`, where);
    }
    // Read the slices first: each read is bounded by its shard's size, so the full array allocated next is too.
    const read = parts.map((part) => this.getSlice(entry.name, part.extents));
    const full: NumericData | Uint8Array[] = info.kind === 'string' ? new Array<Uint8Array>(n) : allocate(info, n);
    const width = info.kind === 'complex' ? 2 : 1;
    parts.forEach((part, i) => {
      copySliceInto(full, entry.shape, read[i]!.data, part.starts, part.lengths, width);
    });
    return { dtype: info.name, shape: entry.shape, data: full };
  }
}

type ReadJob =
  | { kind: 'done'; tensor: Tensor }
  | {
      kind: 'read';
      src: ByteSource;
      offset: number;
      bytes: Uint8Array;
      /** Throws TENSOR_CHECKSUM unless `crc` is the stored one. */
      check: (crc: number) => void;
      /** Checks the crc (computed over all bytes, or the one passed in), swaps if needed, returns the tensor. */
      finish: (crc?: number) => Tensor;
    };

/** Part of a tensor to read: `bytes` (a view into the tensor) from `offset` in `src`; done() once they are in. */
interface Piece {
  src: ByteSource;
  offset: number;
  bytes: Uint8Array;
  done: () => void;
}

/**
 * Orders pieces by file position and joins neighbours into one read where the source can scatter: pieces that touch
 * and lie in the same `chunk`-aligned window of the file (small tensors side by side, a tensor's tail and the next
 * one's head). A full restore over S3 then makes ~size/chunk GETs instead of one per tensor and per piece: each GET
 * costs the server a lookup, and on a machine it shares with the server that CPU is the restore's limit.
 */
function groupReads(pieces: Piece[], chunk: number): Piece[][] {
  const bySource = new Map<ByteSource, Piece[]>();
  for (const p of pieces) {
    const list = bySource.get(p.src);
    if (list) list.push(p);
    else bySource.set(p.src, [p]);
  }
  const step = Math.max(1 << 16, chunk);
  const reads: Piece[][] = [];
  for (const list of bySource.values()) {
    list.sort((x, y) => x.offset - y.offset);
    let group: Piece[] | undefined;
    for (const p of list) {
      const prev = group?.[group.length - 1];
      const joins =
        prev !== undefined &&
        p.src.readIntoScatteredAsync !== undefined &&
        p.bytes.length > 0 &&
        prev.bytes.length > 0 &&
        prev.offset + prev.bytes.length === p.offset &&
        Math.floor(prev.offset / step) === Math.floor(p.offset / step);
      if (joins) group!.push(p);
      else {
        group = [p];
        reads.push(group);
      }
    }
  }
  return reads;
}

/** Reads of at most 32 MiB, so one big tensor keeps several threads busy. */
const CHUNK = 32 << 20;

/**
 * Splits `length` bytes that start at `fileOffset` into parts that end on multiples of `chunk` in the file, not in
 * the tensor: an object store keeps a big object in fixed-size pieces (the upload's parts), and a GET that straddles a
 * piece boundary makes the server read both pieces (SeaweedFS spent ~1.5x curl's CPU per byte on unaligned ranges).
 */
function splitChunks(length: number, chunk = CHUNK, fileOffset = 0): [number, number][] {
  const parts: [number, number][] = [];
  const step = Math.max(1 << 16, chunk);
  for (let a = 0; a < length; ) {
    const b = Math.min(length, a + step - ((fileOffset + a) % step));
    parts.push([a, b]);
    a = b;
  }
  if (parts.length === 0) parts.push([0, 0]);
  return parts;
}

async function readChunked(src: ByteSource, offset: number, bytes: Uint8Array, concurrency = 4): Promise<void> {
  if (!src.readIntoAsync) {
    src.readInto(offset, bytes);
    return;
  }
  const parts = splitChunks(bytes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const [a, b] = parts[next++]!;
      await src.readIntoAsync!(offset + a, bytes.subarray(a, b));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, parts.length) }, worker));
}

function latin1(key: Uint8Array): string {
  let s = '';
  for (const b of key) s += String.fromCharCode(b);
  return s;
}

function parseHeader(value: Uint8Array, path: string | undefined): BundleHeader {
  let h: tensorflow.BundleHeaderProto.$Properties;
  try {
    h = decodeBundleHeader(value);
  } catch (err) {
    wrapError(err, 'CORRUPT_TABLE', 'cannot decode the bundle header', { path: path ?? '' });
  }
  const numShards = h.num_shards ?? 0;
  if (numShards < 1 || numShards > 1 << 20) {
    throw new BundleError('CORRUPT_TABLE', `header says ${numShards} shards`, { path: path ?? '' });
  }
  const e = h.endianness ?? 0;
  if (e !== 0 && e !== 1) throw new BundleError('CORRUPT_TABLE', `unknown endianness ${e}`, { path: path ?? '' });
  const v = h.version ?? {};
  const producer = v.producer ?? 0;
  const minConsumer = v.min_consumer ?? 0;
  const badConsumers = v.bad_consumers ?? [];
  // kTensorBundleVersion = 1: refuse bundles that need a newer reader.
  if (minConsumer > 1 || badConsumers.includes(1)) {
    throw new BundleError('UNSUPPORTED', `checkpoint needs a reader of version ${minConsumer} (this reads version 1)`, {
      path: path ?? '',
    });
  }
  return { numShards, endianness: e === 1 ? 'big' : 'little', version: { producer, minConsumer, badConsumers } };
}

function shapeOf(
  shape: tensorflow.TensorShapeProto.$Properties | null | undefined,
  d: { path: string | undefined; tensor: string },
): number[] {
  if (!shape) return [];
  if (shape.unknown_rank) throw new BundleError('CORRUPT_ENTRY', 'stored shape has unknown rank', d);
  const dims = (shape.dim ?? []).map((x) => safeInt(x.size, 'dim', d));
  if (dims.some((x) => x < 0))
    throw new BundleError('CORRUPT_ENTRY', `invalid stored shape ${JSON.stringify(dims)}`, d);
  if (dims.length > 254) throw new BundleError('CORRUPT_ENTRY', `rank ${dims.length} is too large`, d);
  let n = 1;
  for (const x of dims) {
    n *= x;
    if (n > Number.MAX_SAFE_INTEGER)
      throw new BundleError('CORRUPT_ENTRY', `shape ${JSON.stringify(dims)} is too large`, d);
  }
  return dims;
}
