// CLI start-up: wall time of `tensorgraft --help`, `tensorgraft ls CHECKPOINT` (a small TensorFlow checkpoint) and
// `tensorgraft cat`, each a fresh Node process, against the anchor of a bare Node start (`node -e 0`) measured in the
// same run; the difference is what tensorgraft's own loading costs. Medians of 15 runs after 2 warm-ups.
// BASE_BIN=path/to/other/bin.js adds the same rows for another build (e.g. before a change) in the same run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median, nowMs, REPO } from './_harness.js';

const BIN = join(REPO, 'apps', 'cli', 'dist', 'bin.js');
const CKPT = join(REPO, 'fixtures', 'checkpoints', 'dtypes', 'model.ckpt');
const RUNS = 15;
// tsx (which runs this file) hands its loader to child processes through NODE_OPTIONS: the CLI runs without it
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));

function wall(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = nowMs();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
    const t = nowMs() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) times.push(t);
  }
  return median(times);
}

const node = wall(['-e', '0']);
console.log(`${'bare node (anchor)'.padEnd(34)} ${node.toFixed(1)} ms`);
const builds: [string, string][] = [['', BIN]];
if (process.env.BASE_BIN) builds.push(['base: ', process.env.BASE_BIN]);
const rows = builds.flatMap(([tag, bin]) => [
  [`${tag}tensorgraft --help`, [bin, '--help']],
  [`${tag}tensorgraft ls --help`, [bin, 'ls', '--help']],
  [`${tag}tensorgraft ls CHECKPOINT`, [bin, 'ls', CKPT]],
  [`${tag}tensorgraft cat CHECKPOINT NAME`, [bin, 'cat', CKPT, 'int8']],
]) as [string, string[]][];
for (const [what, args] of rows) {
  const ms = wall(args);
  console.log(
    `${what.padEnd(34)} ${ms.toFixed(1)} ms  start-up overhead ${(ms - node).toFixed(1)} ms  ` +
      `(${(ms / node).toFixed(2)}x bare node)`,
  );
}
