// The Session's kernel table, read from the built package's internals (not a public export).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function KERNEL_OP_TYPES(): Promise<string[]> {
  const url = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'runtime', 'kernels', 'index.js')).href;
  const m = (await import(url)) as { supportedOps(): string[] };
  return m.supportedOps();
}
