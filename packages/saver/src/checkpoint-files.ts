// The files of one checkpoint prefix: `<prefix>.index`, `<prefix>.data-?????-of-?????` and `<prefix>.meta` (the
// meta graph, named by TensorFlow's meta_graph_filename, which strips a `-?????-of-N` shard suffix first).
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
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
  rmSync(`${prefix}.index`, { force: true });
  for (const f of dataFiles(prefix)) rmSync(f, { force: true });
  rmSync(metaGraphFilename(prefix, metaSuffix), { force: true });
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

const TEMP_SUFFIX = /\.(tempstate\d+|tmp[0-9a-f]{32})$/;

/**
 * Deletes temporary files a killed save left in `dir`: `<base>[-<step>](.index|.data-…|.meta|.tfjs.json)`, the state
 * file, under bundle-io's `.tempstate<n>` or this package's `.tmp<32 hex>` names, and sharded saves' `<base>[-<step>]_temp`
 * directories, last modified before `beforeMs`
 * (so a save in progress, which started later, is never touched). Returns the names removed.
 */
export function removeStaleTemps(dir: string, base: string, stateFile: string, beforeMs: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir || '.');
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    // A sharded save's `<checkpoint>_temp/` directory of parts.
    const tempDir = /^(.*)_temp$/.exec(name);
    if (
      tempDir &&
      (tempDir[1] === base || (tempDir[1]!.startsWith(base) && /^-\d+$/.test(tempDir[1]!.slice(base.length))))
    ) {
      const path = dir ? `${dir}/${name}` : name;
      try {
        if (statSync(path).isDirectory() && statSync(path).mtimeMs < beforeMs) {
          rmSync(path, { recursive: true, force: true });
          removed.push(name);
        }
      } catch {
        // gone already
      }
      continue;
    }
    const m = TEMP_SUFFIX.exec(name);
    if (!m) continue;
    const file = name.slice(0, m.index);
    const ext = /(\.index|\.data-\d{5}-of-\d{5}|\.meta|\.tfjs\.json)$/.exec(file);
    const stem = ext ? file.slice(0, ext.index) : undefined;
    // `<base>` itself or `<base>-<step>`: another prefix that merely starts with base is not ours.
    const ours =
      file === stateFile ||
      (stem !== undefined && (stem === base || (/^-\d+$/.test(stem.slice(base.length)) && stem.startsWith(base))));
    if (!ours) continue;
    const path = dir ? `${dir}/${name}` : name;
    try {
      if (statSync(path).mtimeMs < beforeMs) {
        rmSync(path, { force: true });
        removed.push(name);
      }
    } catch {
      // gone already
    }
  }
  return removed;
}
