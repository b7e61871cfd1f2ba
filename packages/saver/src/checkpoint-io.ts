// Writing and reading whole checkpoints through @tensorgraft/bundle-io, with the crash-safety order this package
// promises: data shard and index are written under temporary names and renamed data first, index last (bundle-io's
// BundleWriter.finish), so `<prefix>.index` only ever exists for a complete checkpoint. When a prefix is saved again,
// its old index is removed before the new data replaces the old, so a crash in between leaves no index pointing at
// the wrong data.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import {
  BundleError,
  BundleReader,
  BundleWriter,
  type CheckpointReader,
  dataFilename,
  fileOps,
  mergeBundles,
  type NumericData,
  openCheckpoint as openAnyCheckpoint,
  outsideDirectory,
  type Tensor,
} from '@tensorgraft/bundle-io';
import { ioError, syncFiles, tempName } from './atomic-write.js';
import { SaverError } from './errors.js';
import { dirname } from './paths.js';
import type { TensorInfo } from './restore-plan.js';
import { latestCheckpoint } from './state-file.js';

/**
 * Creates the directory of `prefix` and its parents, as TensorFlow's object-based saving does (TrackableSaver.save:
 * file_io.recursive_create_dir(os.path.dirname(file_prefix))), for tf.train.Checkpoint, its CheckpointManager and
 * Keras' save_weights. NOT_WRITABLE when it cannot be made (a path component is a file, permissions).
 */
export function ensureParentDirectory(prefix: string): void {
  const dir = dirname(prefix) || '.';
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new SaverError('NOT_WRITABLE', `cannot create the directory of ${prefix}: ${(err as Error).message}`, {
      path: prefix,
      cause: err,
    });
  }
}

/**
 * Throws NOT_WRITABLE unless the directory of `prefix` exists: tf.compat.v1.train.Saver refuses ("Parent directory of
 * ... doesn't exist, can't save") where the object-based API creates it (ensureParentDirectory).
 */
export function checkParentDirectory(prefix: string): void {
  const dir = dirname(prefix) || '.';
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok)
    throw new SaverError('NOT_WRITABLE', `parent directory of ${prefix} does not exist, cannot save`, { path: prefix });
}

/**
 * Writes `tensors` (in the given order) as a V2 checkpoint at `prefix`. `durable` fsyncs its files and directory
 * once complete, before the caller names it in a state file.
 */
export function writeCheckpoint(
  prefix: string,
  tensors: Iterable<[string, Tensor]>,
  options: { durable?: boolean } = {},
): void {
  let writer: BundleWriter | undefined;
  try {
    writer = new BundleWriter(prefix);
    for (const [name, t] of tensors) {
      try {
        writer.add(name, t);
      } catch (err) {
        throw asSaverError(err, prefix, name);
      }
    }
    if (existsSync(`${prefix}.index`)) fileOps.unlink(`${prefix}.index`);
    writer.finish();
  } catch (err) {
    writer?.abort();
    throw asSaverError(err, prefix);
  }
  if (options.durable) {
    try {
      syncFiles([`${prefix}.index`, dataFilename(prefix, 0, 1)]);
    } catch (err) {
      throw asSaverError(err, prefix);
    }
  }
}

/**
 * Writes a sharded checkpoint as tf.compat.v1.train.Saver(sharded=True) does: group i is written as the bundle
 * `<prefix>_temp/part-0000i-of-0000n`, then MergeV2Checkpoints (bundle-io's mergeBundles) merges them in group order
 * into `<prefix>.data-0000i-of-0000n` + `<prefix>.index` and removes `<prefix>_temp`. The merge goes to a temporary
 * prefix whose data files and then index are renamed into place, so `<prefix>.index` appears last.
 */
export function writeShardedCheckpoint(
  prefix: string,
  groups: readonly [string, Tensor][][],
  options: { durable?: boolean } = {},
): void {
  const n = groups.length;
  const tempDir = `${prefix}_temp`;
  const parts = groups.map((_, i) => `${tempDir}/part-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`);
  const merged = tempName(prefix);
  try {
    // Left by a killed save of this same prefix (saves hold the directory lock): its parts would stop the merge's
    // rmdir and outlive this save.
    if (existsSync(tempDir)) fileOps.removeTree(tempDir);
    for (const [i, group] of groups.entries()) writeCheckpoint(parts[i]!, group);
    mergeBundles(parts, merged, { deleteOldDirs: true });
    if (existsSync(`${prefix}.index`)) fileOps.unlink(`${prefix}.index`);
    for (let i = 0; i < n; i++) fileOps.rename(dataFilename(merged, i, n), dataFilename(prefix, i, n));
    fileOps.rename(`${merged}.index`, `${prefix}.index`);
  } catch (err) {
    fileOps.removeTree(tempDir);
    fileOps.unlink(`${merged}.index`);
    for (let i = 0; i < n; i++) fileOps.unlink(dataFilename(merged, i, n));
    throw asSaverError(err, prefix);
  }
  if (options.durable) {
    try {
      syncFiles([`${prefix}.index`, ...groups.map((_, i) => dataFilename(prefix, i, n))]);
    } catch (err) {
      throw asSaverError(err, prefix);
    }
  }
}

export interface OpenCheckpoint {
  readonly prefix: string;
  /** Set when opened through a directory's state file; `outside` when it named a checkpoint outside that directory. */
  readonly fromStateFile?: { directory: string; outside: boolean };
  /** key -> dtype/shape, in index order. */
  readonly tensors: Map<string, TensorInfo>;
  get(key: string): Tensor;
  /** Reads a V2 tensor straight into `target` (same dtype array and length); false when the reader cannot. */
  readInto(key: string, target: NumericData): boolean;
  close(): void;
}

/**
 * Opens the checkpoint at `prefix`: a V2 prefix, a V1 file or sharded V1 prefix (TF-slim's vgg_16.ckpt), a
 * `.safetensors` file (through @tensorgraft/bundle-io), or a directory (its state file's latest checkpoint).
 * NOT_FOUND when there is none, CORRUPT when it cannot be read.
 */
export function openCheckpoint(prefix: string): OpenCheckpoint {
  let path = prefix;
  let fromStateFile: OpenCheckpoint['fromStateFile'];
  if (isDirectory(path)) {
    const latest = latestCheckpoint(path);
    if (latest === undefined)
      throw new SaverError('NOT_FOUND', 'the directory names no existing checkpoint', { path: prefix });
    path = latest;
    fromStateFile = { directory: prefix, outside: outsideDirectory(latest, prefix) };
  }
  let reader: CheckpointReader;
  try {
    reader = existsSync(`${path}.index`) ? BundleReader.open(path) : openAnyCheckpoint(path);
  } catch (err) {
    if (err instanceof BundleError && err.code === 'NOT_FOUND' && !existsSync(path)) {
      throw new SaverError('NOT_FOUND', `no checkpoint at ${path} (${path}.index is missing)`, { path, cause: err });
    }
    throw asSaverError(err, path);
  }
  const tensors = new Map<string, TensorInfo>();
  try {
    for (const e of reader.entries()) tensors.set(e.name, { dtype: e.dtype, shape: e.shape });
  } catch (err) {
    reader.close();
    throw asSaverError(err, path);
  }
  return {
    prefix: path,
    ...(fromStateFile ? { fromStateFile } : {}),
    tensors,
    get(key) {
      try {
        return reader.get(key);
      } catch (err) {
        throw asSaverError(err, path, key);
      }
    },
    readInto(key, target) {
      if (!(reader instanceof BundleReader)) return false;
      try {
        reader.readInto(key, target);
        return true;
      } catch (err) {
        throw asSaverError(err, path, key);
      }
    },
    close: () => reader.close(),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A lower error as a SaverError naming the checkpoint and the tensor. */
export function asSaverError(err: unknown, path: string, variable?: string): SaverError {
  if (err instanceof SaverError) return err;
  if (err instanceof BundleError) {
    const code =
      err.code === 'IO'
        ? 'NOT_WRITABLE'
        : err.code === 'NOT_FOUND'
          ? 'NOT_FOUND'
          : err.code === 'INVALID_ARGUMENT'
            ? 'INVALID_ARGUMENT'
            : err.code === 'UNSUPPORTED'
              ? 'UNSUPPORTED'
              : 'CORRUPT';
    return new SaverError(code, err.message, {
      path: err.path ?? path,
      variable: err.tensor ?? variable,
      offset: err.offset,
      cause: err,
    });
  }
  return ioError(err, `cannot save ${path}`, path);
}
