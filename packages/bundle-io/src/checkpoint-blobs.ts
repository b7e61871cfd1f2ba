// A TensorFlow checkpoint handed to the user of a web page: written as Blobs (saveCheckpointToBlobs), taken from a
// checkpoint already in memory (checkpointBlobs of a mem:// prefix, e.g. one a tfjs model was saved to), and offered
// as file downloads (downloadCheckpoint). The files are the V2 bundle TensorFlow reads: `<name>.index` and
// `<name>.data-00000-of-00001`, byte for byte what the Node writer writes. No Node built-ins.
import * as z from 'zod/mini';
import { AsyncBundleWriter, checkOptions, DataAlignment } from './async-writer.js';
import { BundleError } from './errors.js';
import { dataFilename, indexFilename } from './naming.js';
import { memoryObject } from './storage/memory.js';
import type { WriteSink } from './storage/types.js';
import type { Tensor } from './tensor.js';

/** One checkpoint's files as Blobs, with the names TensorFlow expects beside each other in a directory. */
export interface CheckpointBlobs {
  /** The checkpoint prefix's file name (`model.ckpt`): tf.train.load_checkpoint('<dir>/model.ckpt'). */
  name: string;
  index: Blob;
  data: Blob;
  /** Both files, index first: `{ name: 'model.ckpt.index', blob }`, `{ name: 'model.ckpt.data-00000-of-00001', ... }`. */
  files: { name: string; blob: Blob }[];
}

/** A file name for a checkpoint prefix: no directory part, nothing a download would refuse. */
const PrefixName = z
  .string()
  .check(z.minLength(1), z.maxLength(200), z.regex(/^[^/\\\0]+$/, 'a file name, without / or \\'));

export const BlobSaveOptionsSchema = z.strictObject({
  /** The prefix's file name (default `model.ckpt`). */
  name: z.optional(PrefixName),
  dataAlignment: DataAlignment,
});

export type BlobSaveOptions = z.infer<typeof BlobSaveOptionsSchema>;

/** Tensors by name: `[name, tensor]` pairs, or a record (taken in its key order). */
export type NamedTensors = Iterable<readonly [string, Tensor]> | Record<string, Tensor>;

function pairs(tensors: NamedTensors): Iterable<readonly [string, Tensor]> {
  return Symbol.iterator in tensors
    ? (tensors as Iterable<readonly [string, Tensor]>)
    : Object.entries(tensors as Record<string, Tensor>);
}

function blobsOf(name: string, index: Blob, data: Blob): CheckpointBlobs {
  return {
    name,
    index,
    data,
    files: [
      { name: indexFilename(name), blob: index },
      { name: dataFilename(name, 0, 1), blob: data },
    ],
  };
}

/**
 * A sink gathering an object as a Blob. Each chunk becomes a Blob when it is written (the writer may reuse its buffer,
 * and a browser may keep large Blobs outside the JavaScript heap); commit joins them without another copy.
 */
function blobSink(location: string, done: (blob: Blob) => void): WriteSink {
  let parts: Blob[] | undefined = [];
  const open = (what: string): Blob[] => {
    if (!parts) throw new BundleError('IO', `${what} after commit or abort`, { path: location });
    return parts;
  };
  return {
    location,
    async write(chunk) {
      open('write').push(new Blob([chunk as Uint8Array<ArrayBuffer>]));
    },
    async commit() {
      done(new Blob(open('commit'), { type: 'application/octet-stream' }));
      parts = undefined;
    },
    async abort() {
      parts = undefined;
    },
  };
}

/**
 * Writes `tensors` (name -> tensor, in the order given: TensorFlow's savers add them sorted by name) as a V2 checkpoint
 * straight to Blobs. Bad tensors are BundleErrors naming the tensor, bad options INVALID_ARGUMENT.
 */
export async function saveCheckpointToBlobs(
  tensors: NamedTensors,
  options: BlobSaveOptions = {},
): Promise<CheckpointBlobs> {
  const { name = 'model.ckpt', dataAlignment } = checkOptions(
    BlobSaveOptionsSchema,
    options,
    'checkpoint blob options',
  );
  const made = new Map<string, Blob>();
  const writer = await AsyncBundleWriter.withSinks(
    name,
    dataAlignment === undefined ? {} : { dataAlignment },
    async (location) => blobSink(location, (blob) => made.set(location, blob)),
  );
  try {
    for (const [tensorName, tensor] of pairs(tensors)) writer.add(tensorName, tensor);
    await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return blobsOf(name, made.get(indexFilename(name))!, made.get(dataFilename(name, 0, 1))!);
}

/** The Blobs of a (single-shard) checkpoint held in memory at the `mem://` prefix `prefix`; NOT_FOUND if incomplete. */
export function checkpointBlobs(prefix: string): CheckpointBlobs {
  const index = memoryObject(indexFilename(prefix));
  const data = memoryObject(dataFilename(prefix, 0, 1));
  if (!index || !data) {
    throw new BundleError('NOT_FOUND', 'no complete single-shard checkpoint in memory under this prefix', {
      path: prefix,
    });
  }
  const blob = (bytes: Uint8Array) =>
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
  return blobsOf(prefix.slice(prefix.lastIndexOf('/') + 1), blob(index), blob(data));
}

/** The parts of a web page's `document` that downloadCheckpoint uses (so a test, or a worker's relay, can stand in). */
export interface DownloadDocument {
  createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void };
  body: { append(node: unknown): void };
}

export const DownloadOptionsSchema = z.strictObject({
  /** The page's document (default `globalThis.document`). */
  document: z.optional(z.custom<DownloadDocument>((d) => typeof d === 'object' && d !== null)),
  /** How long the object URLs live after the clicks (default 60 s: the browser must have started reading them). */
  revokeAfterMs: z.optional(z.number().check(z.int(), z.gte(0))),
});

export type DownloadOptions = z.infer<typeof DownloadOptionsSchema>;

/**
 * Offers the checkpoint's files as downloads (one `<a download>` click per file, index first), to be saved side by
 * side: TensorFlow then reads `<dir>/<name>`. Returns the file names. A browser may ask the user once to allow a page
 * several downloads.
 */
export function downloadCheckpoint(blobs: CheckpointBlobs, options: DownloadOptions = {}): string[] {
  const parsed = checkOptions(DownloadOptionsSchema, options, 'download options');
  const doc = parsed.document ?? (globalThis as { document?: DownloadDocument }).document;
  if (!doc) throw new BundleError('UNSUPPORTED', 'downloads need a web page (no document here)', { path: blobs.name });
  const urls = blobs.files.map((file) => {
    const url = URL.createObjectURL(file.blob);
    const a = doc.createElement('a');
    a.href = url;
    a.download = file.name;
    doc.body.append(a);
    a.click();
    a.remove();
    return url;
  });
  const timer = setTimeout(() => {
    for (const url of urls) URL.revokeObjectURL(url);
  }, parsed.revokeAfterMs ?? 60_000);
  (timer as { unref?: () => void }).unref?.(); // Node (tests): the revocation must not keep the process alive

  return blobs.files.map((f) => f.name);
}
