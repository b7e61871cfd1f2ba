// Comparison helpers and fixture shapes for the training tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO } from './helpers.js';

/** fixtures/training/<model>/expected.json: a model TensorFlow trained, its feeds and the values after. */
export interface TrainingExpected {
  x: string;
  y: string;
  loss: string;
  train_op: string;
  x_shape: number[];
  labels: number[][];
  one_hot: boolean;
  losses: number[];
  after: Record<string, { dtype: string; shape: number[]; values: number[] }>;
}

/** One case of fixtures/training/apply.json: an optimizer apply op and the values TensorFlow's runs of it gave. */
export interface ApplyCase {
  case: string;
  op: string;
  init: string;
  apply: string;
  reads: Record<string, string>;
  after: Record<string, { shape: number[]; values: number[] }>[];
}

export function applyCases(): ApplyCase[] {
  return (JSON.parse(readFileSync(join(REPO, 'fixtures', 'training', 'apply.json'), 'utf8')) as { cases: ApplyCase[] })
    .cases;
}

/** Max relative error with an absolute floor of 1 (values below 1 compare absolutely). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  expect(maxRelErr(got, want, 1)).toBeLessThanOrEqual(tol);
}

/**
 * The largest |got - want| / max(|want|, floor) over the elements. The floor (default: 1e-3 of the tensor's largest
 * |want|) keeps elements that are nearly zero next to the rest (a bias that barely moved, a weight crossing zero)
 * from turning float32 rounding noise into a large ratio; every other element is compared relatively.
 */
export function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>, floor?: number): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let scale = 0;
  for (let k = 0; k < want.length; k++) scale = Math.max(scale, Math.abs(want[k]!));
  const f = floor ?? Math.max(scale * 1e-3, 1e-12);
  let worst = 0;
  for (let k = 0; k < want.length; k++) {
    worst = Math.max(worst, Math.abs(got[k]! - want[k]!) / Math.max(Math.abs(want[k]!), f));
  }
  return worst;
}
