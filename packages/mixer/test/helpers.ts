import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const MODELS = join(REPO, 'fixtures', 'models');

export function fixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(MODELS, ...parts)));
}

export function fixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(MODELS, ...parts), 'utf8')) as T;
}

export interface TensorEntry {
  shape: number[];
  dtype: string;
  offset: number;
  count: number;
}

/** A float32 array from a model's tensors.bin sidecar. */
export function sidecar(model: string, entry: TensorEntry): Float32Array {
  const bin = readFileSync(join(MODELS, model, 'tensors.bin'));
  const out = new Float32Array(entry.count);
  const dv = new DataView(bin.buffer, bin.byteOffset + entry.offset, entry.count * 4);
  for (let i = 0; i < entry.count; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

export const meta = (model: string) => join(MODELS, model, 'model.ckpt.meta');
export const ckpt = (model: string) => join(MODELS, model, 'model.ckpt');

export interface Io {
  inputs: Record<string, TensorEntry>;
  outputs: Record<string, TensorEntry>;
  variables: Record<string, TensorEntry>;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
