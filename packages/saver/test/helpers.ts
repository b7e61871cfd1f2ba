import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const FIXTURES = join(REPO, 'fixtures');

// biome-ignore lint/suspicious/noExplicitAny: fixture sidecars are TensorFlow's JSON; the tests assert on their values
export type Json = any;

export function readJson<T = Json>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tg-saver-'));
  dirs.push(d);
  return d;
}

/** A settable fake clock. */
export function fakeClock(start: number) {
  const c = { now: start, fn: () => c.now };
  return c;
}
