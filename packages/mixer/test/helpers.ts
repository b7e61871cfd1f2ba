// The graph package's fixture readers (fixtures/models, written by TensorFlow), plus what the mixer's tests add.
import { join } from 'node:path';
import { MODELS, type TensorEntry } from '../../graph/test/helpers.js';

export { fixture, fixtureJson, MODELS, REPO, sidecar, type TensorEntry } from '../../graph/test/helpers.js';

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
