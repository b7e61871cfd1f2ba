// Comparison helpers for the training tests.
import { expect } from 'vitest';

/** Max relative error with an absolute floor (values near 0 compare absolutely). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let k = 0; k < want.length; k++) {
    const err = Math.abs(got[k]! - want[k]!) / Math.max(Math.abs(want[k]!), 1);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}
