// The files of one checkpoint prefix: `<prefix>.index`, `<prefix>.data-?????-of-?????` and `<prefix>.meta` (the
// meta graph, named by TensorFlow's meta_graph_filename, which strips a `-?????-of-N` shard suffix first).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { fileOps } from '@tensorgraft/bundle-io';
import { LOCK_FILENAME } from './directory-lock.js';
import { basename, dirname } from './paths.js';

/** `<checkpoint>.meta` as TensorFlow's meta_graph_filename names it. */
export function metaGraphFilename(checkpoint: string, suffix = 'meta'): string {
  return `${checkpoint.replace(/-[\d?]+-of-\d+$/, '')}.${suffix}`;
}

const DATA_SHARD = /^\.data-\d{5}-of-\d{5}$/;

/** The data shard files present for `prefix`. */
export function dataFiles(prefix: string): string[] {
  const dir = dirname(prefix) || '.';
  const base = basename(prefix);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(base) && DATA_SHARD.test(n.slice(base.length)))
    .map((n) => (dirname(prefix) ? `${dirname(prefix)}/${n}` : n));
}

/**
 * Deletes a checkpoint's files (TensorFlow's remove_checkpoint). The index goes first so that, if the process dies
 * part-way, what is left is never mistaken for a checkpoint.
 */
export function removeCheckpoint(prefix: string, metaSuffix = 'meta'): void {
  fileOps.unlink(`${prefix}.index`);
  for (const f of dataFiles(prefix)) fileOps.unlink(f);
  fileOps.unlink(metaGraphFilename(prefix, metaSuffix));
}

/** Modification time in seconds of a checkpoint's index (V2) or file (V1); undefined when absent. */
export function checkpointMtime(prefix: string): number | undefined {
  for (const f of [`${prefix}.index`, prefix]) {
    if (existsSync(f)) {
      const st = statSync(f);
      if (st.isFile()) return st.mtimeMs / 1000;
    }
  }
  return undefined;
}

/** `<base>` itself or `<base>-<step>`: another prefix that merely starts with base is not ours. */
function isOurStem(stem: string, base: string): boolean {
  return stem === base || (stem.startsWith(base) && /^-\d+$/.test(stem.slice(base.length)));
}

/**
 * Is `path` a checkpoint this directory's saves of `base` write: `<dir>/<base>[-<step>]`, in `dir` itself (compared
 * after resolving `.`/`..`)? Retention deletes nothing else, whatever a state file lists (`../victim/important`).
 */
export function isOwnCheckpoint(path: string, dir: string, base: string): boolean {
  return posix.resolve(dirname(path) || '.') === posix.resolve(dir || '.') && isOurStem(basename(path), base);
}

// What a save writes under a temporary name, and what a killed one can leave:
//   <file>.tempstate<n>                          bundle-io's BundleWriter (data and index)
//   <file>.tmp<32 hex>                           this package's atomic writes (meta graph, state file, best list)
//   <ckpt>.tmp<32 hex>.(index|data-…)             a sharded save's merge output before its renames
//   <ckpt>_temp/                                 a sharded save's per-device parts
//   .tensorgraft-save.lock.(new|stale)<16 hex>   a lock being written, or a stale one moved aside to be taken over
const TEMP_SUFFIX = /\.(tempstate\d+|tmp[0-9a-f]{32})$/;
const MERGE_TEMP = /^(.*)\.tmp[0-9a-f]{32}\.(index|data-\d{5}-of-\d{5})$/;
const CHECKPOINT_FILE = /^(.*)(\.index|\.data-\d{5}-of-\d{5}|\.meta|\.tfjs\.json)$/;

/** Is `name` a temporary file of a save of `base` (or of the state file `stateFile`) in this directory? */
export function isSaveTemp(name: string, base: string, stateFile: string): boolean {
  if (/^\.(new|stale)[0-9a-f]{16}$/.test(name.slice(LOCK_FILENAME.length)) && name.startsWith(LOCK_FILENAME))
    return true;
  const merged = MERGE_TEMP.exec(name);
  if (merged) return isOurStem(merged[1]!, base);
  const m = TEMP_SUFFIX.exec(name);
  if (!m) return false;
  const file = name.slice(0, m.index);
  if (file === stateFile || file === `${stateFile}.best.json`) return true;
  const ext = CHECKPOINT_FILE.exec(file);
  return ext !== null && isOurStem(ext[1]!, base);
}

/**
 * Deletes what killed saves left in `dir`, last modified before `beforeMs` (so a save in progress, which started
 * later, is never touched; the directory lock keeps other writers out): every temporary name of isSaveTemp, sharded
 * saves' `<base>[-<step>]_temp` directories, and the remains of a checkpoint whose deletion was cut short (data files
 * of `<base>-<step>` with no `.index`: the index goes first, and no reader can use data without one; a `.meta` is left
 * alone, as it may be a graph exported on its own).
 * `keep` is the checkpoint just saved. Returns the names removed.
 */
export function removeStaleTemps(
  dir: string,
  base: string,
  stateFile: string,
  beforeMs: number,
  keep?: string,
): string[] {
  let names: string[];
  try {
    names = readdirSync(dir || '.');
  } catch {
    return [];
  }
  const present = new Set(names);
  const removed: string[] = [];
  const remove = (name: string, tree: boolean) => {
    const path = dir ? `${dir}/${name}` : name;
    try {
      if (statSync(path).mtimeMs >= beforeMs) return;
      if (tree) fileOps.removeTree(path);
      else fileOps.unlink(path);
      removed.push(name);
    } catch {
      // gone already
    }
  };
  for (const name of names) {
    const tempDir = /^(.*)_temp$/.exec(name);
    if (tempDir && isOurStem(tempDir[1]!, base)) {
      remove(name, true);
      continue;
    }
    if (isSaveTemp(name, base, stateFile)) {
      remove(name, false);
      continue;
    }
    const part = /^(.*)\.data-\d{5}-of-\d{5}$/.exec(name);
    if (
      part &&
      /^-\d+$/.test(part[1]!.slice(base.length)) &&
      part[1]!.startsWith(base) &&
      !present.has(`${part[1]}.index`) &&
      part[1] !== (keep === undefined ? undefined : basename(keep))
    ) {
      remove(name, false);
    }
  }
  return removed;
}
