// Checkpoints at locations served by bundle-io's storage seam (s3://bucket/prefix/model.ckpt, mem://, file:// URLs):
// what Saver, CheckpointManager and latestCheckpoint do on disk, done with objects. Object stores have no rename, so
// the order is what keeps readers safe (TensorFlow's): the data object, then the index (BundleWriter.finishAsync),
// then the `checkpoint` state file; retention deletes an old checkpoint's index first. A killed save therefore
// leaves at most an unfinished multipart upload or data without an index: nothing latestCheckpoint or a reader takes
// for a checkpoint. Plain paths never come here (the local code keeps its locks, fsyncs and crash-tested order).
import { BundleWriter, openCheckpointAt, resolveStore, type Tensor } from '@tensorgraft/bundle-io';
import type { OpenCheckpoint } from './checkpoint-io.js';
import { asSaverError } from './checkpoint-io.js';
import { SaverError } from './errors.js';
import { basename, dirname } from './paths.js';
import {
  type CheckpointState,
  formatCheckpointState,
  generateCheckpointState,
  parseCheckpointState,
  STATE_FILENAME,
  type UpdateStateOptions,
} from './state-file.js';

/** A URL-style location (`s3://`, `mem://`, `file://`, ...) rather than a plain path. */
export function isRemote(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** `dir/name` for a location; a name that is itself a URL stays as it is. */
export function joinRemote(dir: string, name: string): string {
  if (isRemote(name)) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export async function readObjectText(location: string): Promise<string | undefined> {
  const store = resolveStore(location);
  if (!(await store.exists(location))) return undefined;
  const src = await store.open(location);
  try {
    return new TextDecoder().decode(await src.read(0, src.size));
  } finally {
    await src.close();
  }
}

export async function writeObject(location: string, bytes: Uint8Array): Promise<void> {
  const sink = await resolveStore(location).create(location);
  try {
    await sink.write(bytes);
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw asSaverError(err, location);
  }
}

/** The state file of a directory-like location, relative paths joined onto it (get_checkpoint_state). */
export async function getCheckpointStateAt(
  dir: string,
  latestFilename = STATE_FILENAME,
): Promise<CheckpointState | undefined> {
  const file = joinRemote(dir, latestFilename);
  let text: string | undefined;
  try {
    text = await readObjectText(file);
  } catch (err) {
    throw asSaverError(err, file);
  }
  if (text === undefined) return undefined;
  const state = parseCheckpointState(text, file);
  if (!state.modelCheckpointPath) {
    throw new SaverError('BAD_STATE_FILE', 'checkpoint state has no model_checkpoint_path', { path: file });
  }
  return {
    ...state,
    modelCheckpointPath: joinRemote(dir, state.modelCheckpointPath),
    allModelCheckpointPaths: state.allModelCheckpointPaths.map((p) => joinRemote(dir, p)),
  };
}

/** Writes the state file through the store (one object, replaced whole: S3 PUTs are atomic). */
export async function updateCheckpointStateAt(dir: string, options: UpdateStateOptions): Promise<CheckpointState> {
  const state = generateCheckpointState(dir, options);
  await writeObject(
    joinRemote(dir, options.latestFilename ?? STATE_FILENAME),
    new TextEncoder().encode(formatCheckpointState(state)),
  );
  return state;
}

/** Whether a V2 checkpoint (its index) exists at `prefix`. */
export async function checkpointExistsAt(prefix: string): Promise<boolean> {
  try {
    return await resolveStore(prefix).exists(`${prefix}.index`);
  } catch (err) {
    throw asSaverError(err, prefix);
  }
}

/** latestCheckpoint for a location: the state file's model path when its index exists, else undefined. */
export async function latestCheckpointAt(dir: string, latestFilename = STATE_FILENAME): Promise<string | undefined> {
  let state: CheckpointState | undefined;
  try {
    state = await getCheckpointStateAt(dir, latestFilename);
  } catch (err) {
    if (err instanceof SaverError && err.code === 'BAD_STATE_FILE') return undefined;
    throw err;
  }
  if (!state) return undefined;
  return (await checkpointExistsAt(state.modelCheckpointPath)) ? state.modelCheckpointPath : undefined;
}

/** Writes a V2 checkpoint (one data object, then the index) at a location. */
export async function writeCheckpointAt(prefix: string, tensors: Iterable<[string, Tensor]>): Promise<void> {
  let writer: BundleWriter | undefined;
  try {
    writer = await BundleWriter.create(prefix);
    for (const [name, t] of tensors) {
      if (t.dtype === 'string') writer.add(name, t);
      else await writer.addAsync(name, t);
    }
    await writer.finishAsync();
  } catch (err) {
    await writer?.abortAsync();
    throw asSaverError(err, prefix);
  }
}

/** Deletes a checkpoint's objects, the index first (then what is left is no checkpoint). */
export async function removeCheckpointAt(prefix: string, metaSuffix = 'meta'): Promise<void> {
  const store = resolveStore(prefix);
  try {
    await store.remove(`${prefix}.index`);
    const base = basename(prefix);
    const dir = dirname(prefix);
    for (const loc of await store.list(dir)) {
      const name = basename(loc);
      if (/^\.data-\d{5}-of-\d{5}$/.test(name.slice(base.length)) && name.startsWith(base)) await store.remove(loc);
    }
    await store.remove(`${prefix.replace(/-[\d?]+-of-\d+$/, '')}.${metaSuffix}`);
  } catch (err) {
    throw asSaverError(err, prefix);
  }
}

/** `<dir>/<base>[-<step>]`: only these does retention delete (whatever a state file lists). */
export function isOwnCheckpointAt(path: string, dir: string, base: string): boolean {
  if (dirname(path) !== dir.replace(/\/+$/, '')) return false;
  const stem = basename(path);
  return stem === base || (stem.startsWith(base) && /^-\d+$/.test(stem.slice(base.length)));
}

/**
 * Opens a checkpoint at a location (a prefix, or a directory-like location with a state file) and reads every
 * tensor with parallel ranged reads: a restore needs them all.
 */
export async function openCheckpointRemote(location: string): Promise<OpenCheckpoint> {
  let prefix = location;
  let fromStateFile: OpenCheckpoint['fromStateFile'];
  if (!(await checkpointExistsAt(location))) {
    const latest = await latestCheckpointAt(location);
    if (latest === undefined) {
      throw new SaverError('NOT_FOUND', `no checkpoint at ${location} (${location}.index is missing)`, {
        path: location,
      });
    }
    prefix = latest;
    fromStateFile = { directory: location, outside: dirname(latest) !== location.replace(/\/+$/, '') };
  }
  try {
    const reader = await openCheckpointAt(prefix);
    try {
      const all = await reader.getAll();
      const tensors = new Map(reader.entries().map((e) => [e.name, { dtype: e.dtype, shape: e.shape }]));
      return {
        prefix,
        ...(fromStateFile ? { fromStateFile } : {}),
        tensors,
        get(key) {
          const t = all.get(key);
          if (!t)
            throw new SaverError('NOT_FOUND', 'no such tensor in the checkpoint', { path: prefix, variable: key });
          return t;
        },
        readInto: () => false,
        close() {},
      };
    } finally {
      await reader.close();
    }
  } catch (err) {
    throw asSaverError(err, prefix);
  }
}
