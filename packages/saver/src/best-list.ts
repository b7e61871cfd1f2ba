// The keep-best-N list, kept beside the state file as `<state file>.best.json` so a restarted program still knows
// which old checkpoints are the best ones (TensorFlow has no such list; its state file cannot hold metrics):
//   {"mode": "min", "best": [{"path": "model.ckpt-40", "metric": 0.12}, ...]}   paths relative to the directory
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { isAbs, join, relpath } from './paths.js';
import { checkpointExists } from './state-file.js';

export interface BestEntry {
  path: string;
  metric: number;
}

export function bestListPath(dir: string, stateFile: string): string {
  return join(dir, `${stateFile}.best.json`);
}

/** The saved best list of `dir`, keeping only entries whose checkpoint still exists. Empty when there is none. */
export function readBestList(dir: string, stateFile: string): BestEntry[] {
  try {
    const doc = JSON.parse(readFileSync(bestListPath(dir, stateFile), 'utf8')) as { best?: unknown };
    if (!Array.isArray(doc.best)) return [];
    return doc.best
      .filter((b): b is BestEntry => typeof b?.path === 'string' && typeof b?.metric === 'number')
      .map((b) => ({ path: isAbs(b.path) ? b.path : join(dir, b.path), metric: b.metric }))
      .filter((b) => checkpointExists(b.path));
  } catch {
    return [];
  }
}

export function writeBestList(
  dir: string,
  stateFile: string,
  mode: string,
  best: readonly BestEntry[],
  durable = false,
): void {
  const doc = {
    mode,
    best: best.map((b) => ({ path: isAbs(b.path) ? relpath(b.path, dir || '.') : b.path, metric: b.metric })),
  };
  writeFileAtomic(bestListPath(dir, stateFile), new TextEncoder().encode(`${JSON.stringify(doc, null, 1)}\n`), {
    durable,
  });
}
