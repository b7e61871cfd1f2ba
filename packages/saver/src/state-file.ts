// The `checkpoint` state file: tensorflow.CheckpointState in protobuf text format, e.g.
//   model_checkpoint_path: "model.ckpt-30"
//   all_model_checkpoint_paths: "model.ckpt-20"
//   all_model_checkpoint_paths: "model.ckpt-30"
//   all_model_checkpoint_timestamps: 1700000240.0      (CheckpointManager only)
//   last_preserved_timestamp: 1699999999.0             (CheckpointManager only)
// Written as TensorFlow's update_checkpoint_state_internal does (python/checkpoint/checkpoint_management.py): the
// model path appended to the list unless already last, paths made relative to the directory when asked (or when the
// directory itself is relative), then text_format.MessageToString to a temporary file renamed into place. Read as
// get_checkpoint_state does: relative paths joined onto the directory it was read from.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ProtoError, parseText, printText, tensorflow } from '@tensorgraft/proto';
import { writeFileAtomic } from './atomic-write.js';
import { SaverError } from './errors.js';
import { basename, dirname, isAbs, join, relpath } from './paths.js';

export const STATE_FILENAME = 'checkpoint';

export interface CheckpointState {
  modelCheckpointPath: string;
  allModelCheckpointPaths: string[];
  /** Seconds since the epoch, one per path (CheckpointManager writes them; the v1 Saver does not). */
  allModelCheckpointTimestamps: number[];
  lastPreservedTimestamp: number;
}

export interface StateFileOptions {
  /** Name of the state file in the directory (TensorFlow's latest_filename). Default 'checkpoint'. */
  latestFilename?: string;
}

export interface UpdateStateOptions extends StateFileOptions {
  modelCheckpointPath: string;
  allModelCheckpointPaths?: readonly string[];
  allModelCheckpointTimestamps?: readonly number[];
  lastPreservedTimestamp?: number;
  /** Store paths relative to the directory (TensorFlow's save_relative_paths). Default false, as TensorFlow. */
  saveRelativePaths?: boolean;
  /** fsync the file before the rename. */
  durable?: boolean;
}

function stateFilePath(dir: string, options: StateFileOptions): string {
  return join(dir, options.latestFilename ?? STATE_FILENAME);
}

/** The state proto TensorFlow would write for these arguments (generate_checkpoint_state_proto). */
export function generateCheckpointState(saveDir: string, options: UpdateStateOptions): CheckpointState {
  let model = options.modelCheckpointPath;
  let all = [...(options.allModelCheckpointPaths ?? [])];
  if (options.saveRelativePaths) {
    if (isAbs(model)) model = relpath(model, saveDir);
    all = all.map((p) => (isAbs(p) ? relpath(p, saveDir) : p));
  }
  if (all.length === 0 || all[all.length - 1] !== model) all.push(model);
  const timestamps = [...(options.allModelCheckpointTimestamps ?? [])];
  if (timestamps.length && timestamps.length !== all.length) {
    throw new SaverError(
      'INVALID_ARGUMENT',
      `${timestamps.length} checkpoint timestamps for ${all.length} checkpoint paths`,
      { path: saveDir },
    );
  }
  // A relative save_dir: relative paths are rewritten relative to it (they were relative to the working directory).
  if (!isAbs(saveDir)) {
    if (!isAbs(model)) model = relpath(model, saveDir);
    all = all.map((p) => (isAbs(p) ? p : relpath(p, saveDir)));
  }
  return {
    modelCheckpointPath: model,
    allModelCheckpointPaths: all,
    allModelCheckpointTimestamps: timestamps,
    lastPreservedTimestamp: options.lastPreservedTimestamp ?? 0,
  };
}

/** The state file's exact text (what TensorFlow's text_format.MessageToString prints). */
export function formatCheckpointState(state: CheckpointState): string {
  const msg = tensorflow.CheckpointState.create({
    model_checkpoint_path: state.modelCheckpointPath,
    all_model_checkpoint_paths: state.allModelCheckpointPaths,
    all_model_checkpoint_timestamps: state.allModelCheckpointTimestamps,
    last_preserved_timestamp: state.lastPreservedTimestamp,
  });
  return printText(tensorflow.CheckpointState, msg);
}

/** Parses a state file's text (no path resolution). */
export function parseCheckpointState(text: string, path?: string): CheckpointState {
  let msg: tensorflow.CheckpointState.$Properties;
  try {
    msg = parseText(tensorflow.CheckpointState, text, path === undefined ? {} : { path });
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err;
    throw new SaverError('BAD_STATE_FILE', `cannot parse checkpoint state: ${err.message}`, {
      path,
      offset: err.line,
      cause: err,
    });
  }
  return {
    modelCheckpointPath: msg.model_checkpoint_path ?? '',
    allModelCheckpointPaths: [...(msg.all_model_checkpoint_paths ?? [])],
    allModelCheckpointTimestamps: [...(msg.all_model_checkpoint_timestamps ?? [])],
    lastPreservedTimestamp: msg.last_preserved_timestamp ?? 0,
  };
}

/**
 * Writes the state file of `saveDir` as TensorFlow's update_checkpoint_state_internal does, atomically.
 * Returns what was written.
 */
export function updateCheckpointState(saveDir: string, options: UpdateStateOptions): CheckpointState {
  const file = stateFilePath(saveDir, options);
  const state = generateCheckpointState(saveDir, options);
  if (file === state.modelCheckpointPath) {
    throw new SaverError(
      'INVALID_ARGUMENT',
      `save path ${JSON.stringify(options.modelCheckpointPath)} conflicts with the checkpoint state file`,
      { path: file },
    );
  }
  const bytes = new TextEncoder().encode(formatCheckpointState(state));
  writeFileAtomic(file, bytes, options.durable === undefined ? {} : { durable: options.durable });
  return state;
}

/**
 * Reads `dir`'s state file, with relative paths joined onto `dir` (get_checkpoint_state). Undefined when there is
 * no state file. A file that does not parse or names no model checkpoint is a BAD_STATE_FILE error (TensorFlow logs
 * a warning and returns None; use `latestCheckpoint` for that leniency).
 */
export function getCheckpointState(dir: string, options: StateFileOptions = {}): CheckpointState | undefined {
  const file = stateFilePath(dir, options);
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SaverError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`, { path: file, cause: err });
  }
  const state = parseCheckpointState(text, file);
  if (!state.modelCheckpointPath) {
    throw new SaverError('BAD_STATE_FILE', 'checkpoint state has no model_checkpoint_path', { path: file });
  }
  const resolve = (p: string) => (isAbs(p) ? p : join(dir, p));
  return {
    ...state,
    modelCheckpointPath: resolve(state.modelCheckpointPath),
    allModelCheckpointPaths: state.allModelCheckpointPaths.map(resolve),
  };
}

/**
 * True when a V2 (`prefix.index`) or V1 (`prefix` file) checkpoint exists at `prefix`. As TensorFlow's
 * latest_checkpoint, `*`, `?` and `[...]` in the file name are glob patterns (sharded V1 savers record
 * `model.ckpt-?????-of-00002`).
 */
export function checkpointExists(prefix: string): boolean {
  if (existsSync(`${prefix}.index`) || existsSync(prefix)) return true;
  const name = basename(prefix);
  if (!/[*?[]/.test(name)) return false;
  const dir = dirname(prefix);
  let names: string[];
  try {
    names = readdirSync(dir || '.');
  } catch {
    return false;
  }
  const re = globRegExp(name);
  const reIndex = globRegExp(`${name}.index`);
  return names.some((n) => re.test(n) || reIndex.test(n));
}

/** fnmatch-style pattern of one path component as a RegExp (`*` any run, `?` one character, `[...]` a class). */
function globRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let cls = pattern.slice(i + 1, end).replaceAll('\\', '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        out += `[${cls}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/**
 * The latest checkpoint prefix named by `dir`'s state file, if its files exist (latest_checkpoint). Undefined when
 * there is no state file, it cannot be parsed, or the checkpoint it names is missing, as TensorFlow returns None.
 */
export function latestCheckpoint(dir: string, options: StateFileOptions = {}): string | undefined {
  let state: CheckpointState | undefined;
  try {
    state = getCheckpointState(dir, options);
  } catch (err) {
    if (err instanceof SaverError && err.code === 'BAD_STATE_FILE') return undefined;
    throw err;
  }
  if (!state) return undefined;
  return checkpointExists(state.modelCheckpointPath) ? state.modelCheckpointPath : undefined;
}
