// What every V2 bundle writer shares, with no Node built-in (BundleWriter writes local files with it, AsyncBundleWriter
// any store, browsers included): appending a tensor's bytes to the data file as TensorFlow's BundleWriter::Add /
// AddSlice do (tensorflow/core/util/tensor_bundle/tensor_bundle.cc), keeping its BundleEntryProto, and writing the
// index table (header under "", then the entries in bytewise key order) at the end. Byte layout in bundle-writer.ts.
import type { tensorflow } from '@tensorgraft/proto';
import { maskCrc } from '@tensorgraft/proto/lite';
import { encodeBundleEntry, encodeBundleHeader } from './bundle-proto-encode.js';
import { BundleError } from './errors.js';
import { nameToKey } from './key-text.js';
import { indexFilename } from './naming.js';
import { extentsToProto, isFullSlice, resolveExtents } from './slice.js';
import { encodeSliceKey } from './slice-key.js';
import { resolveStore } from './storage/resolve.js';
import type { WriteSink } from './storage/types.js';
import { StreamSink } from './stream-sink.js';
import { encodeStrings } from './string-data.js';
import { TableBuilder, type TableSink } from './table/table-builder.js';
import { type NumericData, numericBytes, type SliceExtent, type Tensor, validateTensor } from './tensor.js';

export type EntryProps = tensorflow.BundleEntryProto.$Properties;

/** The data file as the entries see it: a running offset and appends (FileSink on disk, StreamSink elsewhere). */
export interface DataSink {
  readonly offset: number;
  append(bytes: Uint8Array): void;
  /** append() returning `crc` extended over `bytes` (crc32c). */
  appendWithCrc(bytes: Uint8Array, crc: number): number;
}

/** The header every writer emits; version producer 1 (kTensorBundleVersion), min_consumer 0. */
export function bundleHeaderBytes(numShards: number, endianness = 0): Uint8Array {
  return encodeBundleHeader({ num_shards: numShards, endianness, version: { producer: 1 } });
}

export function shapeProto(shape: readonly number[]): tensorflow.TensorShapeProto.$Properties {
  return {
    dim: shape.map((size) => (size === 0 ? {} : { size })),
  } as unknown as tensorflow.TensorShapeProto.$Properties;
}

/**
 * Node's Buffer when present: its latin1 conversions are ~5x faster than building strings code by code, which shows
 * when saving tens of thousands of tensors. Read off globalThis (not imported), so browser bundles never reach it.
 */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** A key's bytes as a latin1 string: sorting such strings sorts the bytes (and Map lookups are cheap). */
export function keyString(key: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  let s = '';
  for (let i = 0; i < key.length; i += 8192) s += String.fromCharCode.apply(null, [...key.subarray(i, i + 8192)]);
  return s;
}

function keyBytes(k: string): Uint8Array {
  if (NodeBuffer) return Uint8Array.from(NodeBuffer.from(k, 'latin1'));
  const out = new Uint8Array(k.length);
  for (let i = 0; i < k.length; i++) out[i] = k.charCodeAt(i);
  return out;
}

/** Writes header + entries (sorted by key bytes) as an index table. */
export function writeIndex(sink: TableSink, header: Uint8Array, entries: Map<string, EntryProps>): void {
  const table = new TableBuilder(sink);
  table.add(new Uint8Array(0), header);
  const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) table.add(keyBytes(k), encodeBundleEntry(entries.get(k)!));
  table.finish();
}

/** The index entries of one bundle being written, and the appends that make them. */
export class BundleEntries {
  /** Index entries by key (latin1 of the key bytes, so sorting the strings sorts the bytes). */
  readonly entries = new Map<string, EntryProps>();

  constructor(
    readonly prefix: string,
    private readonly alignment: number,
  ) {}

  /** Appends a whole tensor under `name`. */
  add(data: DataSink, name: string, tensor: Tensor): void {
    if (name === '')
      throw new BundleError('INVALID_ARGUMENT', 'the empty key is reserved for the header', { tensor: name });
    this.addKey(data, nameToKey(name), name, tensor);
  }

  /**
   * Appends one slice of the partitioned tensor `name` (full shape `fullShape`), as BundleWriter::AddSlice: the
   * full tensor's entry gets dtype, shape and this slice; the slice gets its own entry under its slice key. A slice
   * covering the whole tensor is stored as a plain tensor.
   */
  addSlice(data: DataSink, name: string, fullShape: number[], extents: SliceExtent[], tensor: Tensor): void {
    const info = validateTensor(name, tensor);
    const { lengths } = resolveExtents(extents, fullShape, { tensor: name });
    if (lengths.some((l, d) => l !== tensor.shape[d]) || lengths.length !== tensor.shape.length) {
      throw new BundleError(
        'INVALID_ARGUMENT',
        `slice shape ${JSON.stringify(lengths)} vs tensor shape ${JSON.stringify(tensor.shape)}`,
        { tensor: name },
      );
    }
    if (isFullSlice(extents, fullShape)) {
      this.add(data, name, tensor);
      return;
    }
    if (name === '')
      throw new BundleError('INVALID_ARGUMENT', 'the empty key is reserved for the header', { tensor: name });
    const fullKey = keyString(nameToKey(name));
    let full = this.entries.get(fullKey);
    if (full) {
      const sameShape =
        JSON.stringify((full.shape?.dim ?? []).map((d) => Number(d.size ?? 0))) === JSON.stringify(fullShape);
      if (full.dtype !== info.enumValue || !sameShape || !full.slices) {
        throw new BundleError('DUPLICATE_KEY', 'slice does not match the tensor already added under this name', {
          tensor: name,
        });
      }
    } else {
      full = { dtype: info.enumValue, shape: shapeProto(fullShape), slices: [] };
      this.entries.set(fullKey, full);
    }
    full.slices!.push(extentsToProto(extents));
    this.addKey(data, encodeSliceKey(name, extents), name, tensor);
  }

  /** DUPLICATE_KEY unless `k` (keyString) is new. */
  checkNew(k: string, name: string): void {
    if (this.entries.has(k))
      throw new BundleError('DUPLICATE_KEY', 'tensor added twice', { path: this.prefix, tensor: name });
  }

  /** Records the entry of a numeric tensor whose bytes the caller appended at `offset` with this (unmasked) crc. */
  record(data: DataSink, k: string, dtype: number, shape: readonly number[], offset: number, crc: number): void {
    const entry = { dtype, shape: shapeProto(shape), offset, size: data.offset - offset, crc32c: maskCrc(crc) };
    this.entries.set(k, entry as unknown as EntryProps);
    this.pad(data);
  }

  /** Writes the index table to `sink`. */
  writeIndex(sink: TableSink): void {
    writeIndex(sink, bundleHeaderBytes(1), this.entries);
  }

  /** Pads after each tensor so the next starts at a multiple of the alignment (TensorFlow's data_alignment). */
  private pad(data: DataSink): void {
    if (this.alignment > 1 && data.offset % this.alignment !== 0) {
      data.append(new Uint8Array(this.alignment - (data.offset % this.alignment)));
    }
  }

  private addKey(data: DataSink, key: Uint8Array, name: string, tensor: Tensor): void {
    const info = validateTensor(name, tensor);
    const k = keyString(key);
    this.checkNew(k, name);
    const offset = data.offset;
    let crc: number;
    if (info.kind === 'string') {
      const enc = encodeStrings(tensor.data as Uint8Array[]);
      data.append(enc.bytes);
      crc = enc.crc;
    } else {
      crc = data.appendWithCrc(numericBytes(tensor.data as NumericData), 0);
    }
    this.record(data, k, info.enumValue, tensor.shape, offset, crc);
  }
}

/** Opens the sink an object is written through: the location's store by default; saveCheckpointToBlobs uses Blobs. */
export type SinkFactory = (location: string) => Promise<WriteSink>;

export const storeSink: SinkFactory = (location) => resolveStore(location).create(location);

/**
 * Completes a bundle streamed to a store: the data object first, then the index written and completed, so the index
 * (which is what makes a checkpoint) appears only once its data is complete. A failure aborts what is not yet
 * complete and leaves no index.
 */
export async function finishStreamed(
  data: StreamSink,
  entries: BundleEntries,
  createSink: SinkFactory = storeSink,
): Promise<void> {
  try {
    await data.commit();
  } catch (err) {
    await data.abort();
    throw err;
  }
  const index = new StreamSink(await createSink(indexFilename(entries.prefix)));
  try {
    entries.writeIndex(index);
    await index.commit();
  } catch (err) {
    await index.abort();
    throw err;
  }
}
