import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'deploy');

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(DEPLOY, name), 'utf8')) as T;
}

/** Largest |got - want| relative to the largest |want| (at least 1e-6). */
export function maxRelErr(got: ArrayLike<number>, want: readonly number[]): number {
  const scale = Math.max(1e-6, ...want.map(Math.abs));
  let worst = got.length === want.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  return worst;
}
