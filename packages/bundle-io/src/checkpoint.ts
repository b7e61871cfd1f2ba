// One entry point for every kind of checkpoint argument (DESIGN.md): a V2 prefix (`dir/model.ckpt-1000`, or its
// `.index` / `.data-…` file), a V1 file or sharded V1 prefix, a `.safetensors` file, or a directory holding a
// `checkpoint` state file (its model_checkpoint_path, relative to the directory unless absolute).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ProtoError, parseText, tensorflow } from '@tensorgraft/proto';
import { type BundleEntry, BundleReader, type ReadOptions } from './bundle-reader.js';
import { type ResolvedCheckpoint, resolveCheckpointFile } from './checkpoint-file.js';
import { BundleError } from './errors.js';
import { SafetensorsReader } from './safetensors.js';
import type { Tensor } from './tensor.js';
import { V1Reader } from './v1-reader.js';

/** What every reader offers; ls/cat/verify/diff/convert work on this. */
export interface CheckpointReader {
  readonly format: 'v2' | 'v1' | 'safetensors';
  /** A safetensors file's `__metadata__` (string to string), when it has one. */
  readonly metadata?: Record<string, string> | undefined;
  names(): string[];
  has(name: string): boolean;
  entries(): BundleEntry[];
  entry(name: string): BundleEntry;
  get(name: string): Tensor;
  /** Every tensor in name order, read one at a time. */
  tensors(): Generator<[string, Tensor]>;
  /** Reads every tensor and checks what the format can check (bounded memory); the problems by tensor name. */
  verifyAll(options?: VerifyOptions): Map<string, BundleError>;
  readonly bytesRead: number;
  close(): void;
}

export interface VerifyOptions {
  /** Called after each tensor is checked (a progress bar counts these). */
  onTensor?: (name: string) => void;
}

/** Is `path` neither in `dir` nor below it? */
export function outsideDirectory(path: string, dir: string): boolean {
  const r = relative(resolve(dir), resolve(path));
  return r === '' || r === '..' || r.startsWith('../') || isAbsolute(r);
}

/** Works out which checkpoint `arg` names, without reading more than a state file and 8 bytes. */
export function resolveCheckpoint(arg: string): ResolvedCheckpoint {
  let path = arg;
  let from: ResolvedCheckpoint['fromStateFile'];
  if (existsSync(path) && statSync(path).isDirectory()) {
    path = latestFromState(path);
    from = { directory: arg, outside: outsideDirectory(path, arg) };
  }
  const r = resolveCheckpointFile(path, arg);
  return from ? { ...r, fromStateFile: from } : r;
}

/** Opens any checkpoint argument (see resolveCheckpoint). */
export function openCheckpoint(arg: string, options: ReadOptions = {}): CheckpointReader {
  const r = resolveCheckpoint(arg);
  if (r.format === 'v2') return BundleReader.open(r.path, options);
  if (r.format === 'v1') return V1Reader.open(r.path, options) as CheckpointReader;
  return SafetensorsReader.open(r.path) as CheckpointReader;
}

/** The latest checkpoint named by `dir/checkpoint` (a text CheckpointState, parsed as TensorFlow's text_format does). */
export function latestFromState(dir: string): string {
  const state = join(dir, 'checkpoint');
  if (!existsSync(state)) throw new BundleError('NOT_FOUND', 'directory has no checkpoint state file', { path: state });
  let path: string | null | undefined;
  try {
    path = parseText(tensorflow.CheckpointState, readFileSync(state, 'utf8'), { path: state }).model_checkpoint_path;
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err;
    throw new BundleError('BAD_STATE_FILE', `checkpoint state file does not parse: ${err.message}`, {
      path: state,
      cause: err,
    });
  }
  if (!path)
    throw new BundleError('BAD_STATE_FILE', 'checkpoint state file names no model_checkpoint_path', { path: state });
  return isAbsolute(path) ? path : join(dir, path);
}
