// MergeV2Checkpoints (tensorflow/core/util/tensor_bundle/tensor_bundle.cc MergeBundles, and the kernel in
// core/kernels/save_restore_v2_ops.cc): several bundles, each usually `<tmp>/part-0000i-of-0000n`, become one
// `<prefix>.index` + `<prefix>.data-*` set.
// - Inputs are taken in order, each one's keys in order. num_shards adds up; endianness and version come from the
//   first bundle and must agree. A key seen twice is an error unless both entries are sliced (partitioned) tensors,
//   whose `slices` are appended.
// - Each data file that a fresh entry points to gets the next shard id (first seen first) and is renamed to
//   `<prefix>.data-<id>-of-<count>`; the merged index is written and the input `.index` files deleted. With
//   deleteOldDirs, each input's directory is removed afterwards when empty and different from the output's.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { decodeMessage, encodeMessage, tensorflow } from '@tensorgraft/proto';
import { fileSource } from './byte-source.js';
import { BundleError, wrapError } from './errors.js';
import { fileOps } from './file-ops.js';
import { FileSink } from './file-sink.js';
import { safeInt } from './long.js';
import { dataFilename, indexFilename } from './naming.js';
import { keyLabel } from './table/block-reader.js';
import { TableBuilder } from './table/table-builder.js';
import { TableReader } from './table/table-reader.js';

export interface MergeOptions {
  /** Remove each input's directory when it differs from the output's (MergeV2Checkpoints delete_old_dirs; default true). */
  deleteOldDirs?: boolean;
  /** Skip inputs whose .index is missing instead of failing (allow_missing_files; default false). */
  allowMissingFiles?: boolean;
}

export function mergeBundles(prefixes: readonly string[], outPrefix: string, options: MergeOptions = {}): void {
  fileOps.mkdirs(dirname(outPrefix));
  let numShards = 0;
  let first: tensorflow.BundleHeaderProto.$Properties | undefined;
  const entries = new Map<string, tensorflow.BundleEntryProto.$Properties>();
  const shardIds = new Map<string, number>();
  let merged = 0;
  for (const prefix of prefixes) {
    const indexPath = indexFilename(prefix);
    if (!existsSync(indexPath)) {
      if (options.allowMissingFiles) continue;
      throw new BundleError('NOT_FOUND', `bundle to merge has no index file`, { path: indexPath });
    }
    merged++;
    const src = fileSource(indexPath);
    try {
      const table = new TableReader(src);
      let prefixShards = -1;
      for (const { key, value } of table.entries()) {
        if (key.length === 0) {
          const h = decodeHeader(value, indexPath);
          numShards += h.num_shards ?? 0;
          prefixShards = h.num_shards ?? 0;
          if (!first) first = h;
          else if ((first.endianness ?? 0) !== (h.endianness ?? 0)) {
            throw new BundleError('UNSUPPORTED', 'bundles to merge differ in endianness', { path: indexPath });
          } else if (
            encodeMessage(tensorflow.VersionDef, tensorflow.VersionDef.create(first.version ?? {})).join() !==
            encodeMessage(tensorflow.VersionDef, tensorflow.VersionDef.create(h.version ?? {})).join()
          ) {
            throw new BundleError('UNSUPPORTED', 'bundles to merge differ in version', { path: indexPath });
          }
          continue;
        }
        if (prefixShards < 0) throw new BundleError('CORRUPT_TABLE', 'index has no header entry', { path: indexPath });
        const k = Buffer.from(key).toString('latin1');
        const label = keyLabel(key);
        const existing = entries.get(k);
        if (existing && !existing.slices?.length) {
          throw new BundleError('DUPLICATE_KEY', `tensor appears in more than one bundle (while merging ${prefix})`, {
            path: indexPath,
            tensor: label,
          });
        }
        let entry: tensorflow.BundleEntryProto.$Properties;
        try {
          entry = decodeMessage(tensorflow.BundleEntryProto, value, { path: indexPath });
        } catch (err) {
          wrapError(err, 'CORRUPT_ENTRY', 'cannot decode index entry', { path: indexPath, tensor: label });
        }
        if (existing) {
          if (!entry.slices?.length) {
            throw new BundleError('DUPLICATE_KEY', 'a whole tensor and a partitioned one share a name', {
              path: indexPath,
              tensor: label,
            });
          }
          existing.slices = [...(existing.slices ?? []), ...entry.slices];
          continue;
        }
        const shard = safeInt(entry.shard_id, 'shard_id', { path: indexPath, tensor: label });
        const file = dataFilename(prefix, shard, prefixShards);
        let id = shardIds.get(file);
        if (id === undefined) {
          id = shardIds.size;
          shardIds.set(file, id);
        }
        if (id === 0) delete (entry as { shard_id?: number }).shard_id;
        else entry.shard_id = id;
        entries.set(k, entry);
      }
    } finally {
      src.close();
    }
  }
  if (merged === 0) throw new BundleError('NOT_FOUND', 'no bundle to merge', { path: outPrefix });

  for (const [file, id] of shardIds) {
    const target = dataFilename(outPrefix, id, shardIds.size);
    try {
      fileOps.rename(file, target);
    } catch (err) {
      const code = (err as { code?: string }).code === 'ENOENT' ? 'NOT_FOUND' : 'IO';
      throw new BundleError(code, `cannot rename data file to ${target}: ${(err as Error).message}`, {
        path: file,
        cause: err,
      });
    }
  }

  const outIndex = indexFilename(outPrefix);
  const sink = new FileSink(outIndex);
  try {
    const table = new TableBuilder(sink, { path: outIndex });
    const header = tensorflow.BundleHeaderProto.create({
      num_shards: numShards,
      endianness: first?.endianness ?? 0,
      version: first?.version ?? {},
    });
    table.add(new Uint8Array(0), encodeMessage(tensorflow.BundleHeaderProto, header));
    const keys = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) {
      table.add(
        Uint8Array.from(Buffer.from(k, 'latin1')),
        encodeMessage(tensorflow.BundleEntryProto, tensorflow.BundleEntryProto.create(entries.get(k)!)),
      );
    }
    table.finish();
  } finally {
    sink.close();
  }

  for (const prefix of prefixes) fileOps.unlink(indexFilename(prefix));
  if (options.deleteOldDirs ?? true) {
    const outDir = resolve(dirname(outPrefix));
    for (const prefix of prefixes) {
      const dir = resolve(dirname(prefix));
      if (dir === outDir) continue;
      try {
        fileOps.rmdir(dir); // only when empty, as Env::DeleteDir
      } catch {
        // best effort, as TensorFlow
      }
    }
  }
}

function decodeHeader(value: Uint8Array, path: string): tensorflow.BundleHeaderProto.$Properties {
  try {
    return decodeMessage(tensorflow.BundleHeaderProto, value, { path });
  } catch (err) {
    wrapError(err, 'CORRUPT_TABLE', 'cannot decode the bundle header', { path });
  }
}
