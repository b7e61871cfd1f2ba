// Shared test helpers: the TensorFlow fixtures (fixtures/events, made by interop/fixtures/make_events.py) and temp dirs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'events');

// biome-ignore lint/suspicious/noExplicitAny: the sidecar is plain JSON
export type Json = any;
export const expected: Record<string, Json> = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

/** The fixture file whose path (relative to fixtures/events) starts with `dir/`. */
export function fixtureFile(dir: 'tf1' | 'tf2'): { path: string; expect: Record<string, Json> } {
  const rel = Object.keys(expected).find((k) => k.startsWith(`${dir}/`));
  if (!rel) throw new Error(`no ${dir} fixture in expected.json`);
  return { path: join(FIXTURES, rel), expect: expected[rel] };
}

/** "NaN" / "Infinity" / "-Infinity" from the JSON sidecar back to numbers. */
export function num(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A fresh temp directory removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tg-events-'));
  made.push(d);
  return d;
}
