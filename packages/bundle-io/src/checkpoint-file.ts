// Which kind of checkpoint a file or prefix is (V2, V1, safetensors), from the names present and a file's first or last
// bytes. Needs no generated protobuf code: @tensorgraft/bundle-io/lite offers it with the V2 and safetensors readers.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BundleError } from './errors.js';

export interface ResolvedCheckpoint {
  format: 'v2' | 'v1' | 'safetensors';
  /** The prefix (V2), file or prefix (V1) or file (safetensors) that was opened. */
  path: string;
  /**
   * Set when the argument was a directory: its state file named `path`, which is `outside` that directory when it
   * lies neither in it nor below it (TensorFlow follows such paths too; callers should say so).
   */
  fromStateFile?: { directory: string; outside: boolean };
}

const TABLE_MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);

/**
 * Works out which checkpoint a file or prefix `path` names (a directory's state file is resolveCheckpoint's to read):
 * a V2 prefix or one of its files, a `.safetensors` file, a V1 file or sharded V1 prefix. Reads at most 9 bytes.
 * `arg` is the argument as given, for the message when nothing is there.
 */
export function resolveCheckpointFile(path: string, arg = path): ResolvedCheckpoint {
  const m = /^(.*)\.(index|data-\d{5}-of-\d{5})$/.exec(path);
  if (m && existsSync(`${m[1]}.index`)) path = m[1]!;
  if (existsSync(`${path}.index`)) return { format: 'v2', path };
  if (path.endsWith('.safetensors')) {
    if (!existsSync(path)) throw new BundleError('NOT_FOUND', 'no such file', { path });
    return { format: 'safetensors', path };
  }
  if (existsSync(path) && statSync(path).isFile()) {
    if (hasTableMagic(path)) return { format: 'v1', path };
    if (looksLikeSafetensors(path)) return { format: 'safetensors', path };
    throw new BundleError('BAD_MAGIC', 'not a TensorFlow checkpoint or safetensors file', { path });
  }
  try {
    v1Files(path);
    return { format: 'v1', path };
  } catch {
    throw new BundleError('NOT_FOUND', `no checkpoint at ${arg} (no ${path}.index, V1 file or shards)`, { path: arg });
  }
}

/** The files of a V1 checkpoint: `path` itself, or its `-0000i-of-0000n` shards (`path` may be the `-?????-of-` pattern). */
export function v1Files(path: string): string[] {
  if (existsSync(path)) return [path];
  // A sharded Saver returns (and state files hold) the pattern `<prefix>-?????-of-0000n`.
  const pattern = /^(.*)-\?{5}-of-\d{5}$/.exec(path);
  if (pattern) path = pattern[1]!;
  const dir = dirname(path);
  const base = basename(path);
  const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5}-of-\\d{5}$`);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => re.test(f));
  } catch {
    // no directory: reported below
  }
  if (!names.length) throw new BundleError('NOT_FOUND', 'no V1 checkpoint file or shards', { path });
  return names.sort().map((f) => join(dir, f));
}

function head(path: string, at: 'start' | 'end', n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(Math.min(n, size));
    readSync(fd, buf, 0, buf.length, at === 'start' ? 0 : size - buf.length);
    return buf;
  } finally {
    closeSync(fd);
  }
}

function hasTableMagic(path: string): boolean {
  return head(path, 'end', 8).equals(TABLE_MAGIC);
}

function looksLikeSafetensors(path: string): boolean {
  const b = head(path, 'start', 9);
  return b.length === 9 && b[8] === 0x7b; // '{' right after the length
}
