// The files a command writes. Each replaces its path itself, atomically (a temporary name in the same directory,
// then one rename(2)): a symlink at the path is replaced, never written through, and a crash leaves the old file or
// the new one, never half of one. Files that already exist are replaced only with --force.
import { lstatSync } from 'node:fs';
import { dataFilename, indexFilename } from '@tensorgraft/bundle-io';
import { InputProblem } from './command.js';

export { writeFileAtomic } from '@tensorgraft/saver';

/** The files of a V2 checkpoint written to `prefix` by BundleWriter (one data shard). */
export function checkpointFiles(prefix: string): string[] {
  return [indexFilename(prefix), dataFilename(prefix, 0, 1)];
}

/** Exit 1 naming the first of `paths` that exists (a dangling symlink counts), unless --force was given. */
export function refuseToReplace(paths: readonly string[], force: boolean): void {
  if (force) return;
  for (const p of paths) {
    if (exists(p)) throw new InputProblem(`${p} already exists; pass --force to replace it`);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
