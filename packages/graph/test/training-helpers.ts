// Comparison helpers for the training tests.
import { expect } from 'vitest';

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
