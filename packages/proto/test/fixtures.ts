// Paths and loaders for the TensorFlow-written fixtures (fixtures/graphs, fixtures/state; made by
// interop/fixtures/make_graphs.py).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures');
export const GRAPHS = join(FIXTURES, 'graphs');
export const STATE = join(FIXTURES, 'state');

/** The model fixtures: every name with a .pb / .pbtxt / .meta / .meta.pbtxt / .json set. */
export const MODELS = readdirSync(GRAPHS)
  .filter((f) => f.endsWith('.pb'))
  .map((f) => f.slice(0, -3))
  .sort();

export const STATE_CASES = readdirSync(STATE).sort();

export const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
export const textOf = (path: string): string => readFileSync(path, 'utf8');
export const jsonOf = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}
