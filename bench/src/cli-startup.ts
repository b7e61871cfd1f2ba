// CLI start-up: wall time of `tensorgraft --help`, `tensorgraft ls CHECKPOINT` (a small TensorFlow checkpoint),
// `tensorgraft ls` of a safetensors file and `tensorgraft cat`, each a fresh Node process, against the anchor of a bare
// Node start (`node -e 0`) measured in the same run; the difference is what tensorgraft's own loading costs. Issue 13
// asks `ls` to start in under 0.1 s. RUNS rounds after 2 warm-up rounds; each round runs every row once, in turn, so
// the load of other processes on the shared cores hits every row alike; the figures are per-row medians.
// BASE_BIN=path/to/other/bin.js adds the same rows for another build (e.g. before a change) in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, nowMs, REPO } from './_harness.js';

const BIN = join(REPO, 'apps', 'cli', 'dist', 'bin.js');
const CKPT = join(REPO, 'fixtures', 'checkpoints', 'dtypes', 'model.ckpt');
const RUNS = Number(process.env.RUNS ?? 21);
// tsx (which runs this file) hands its loader to child processes through NODE_OPTIONS: the CLI runs without it
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));

function once(args: string[]): number {
  const t0 = nowMs();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
  const t = nowMs() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return t;
}

// The safetensors file: the same checkpoint converted (without the dtypes safetensors cannot hold).
const dir = mkdtempSync(join(tmpdir(), 'tensorgraft-bench-'));
const SAFETENSORS = join(dir, 'dtypes.safetensors');
once([BIN, 'convert', '--skip-unsupported', CKPT, SAFETENSORS]);

const builds: [string, string][] = [['', BIN]];
if (process.env.BASE_BIN) builds.push(['base: ', process.env.BASE_BIN]);
const rows: [string, string[]][] = [
  ['bare node (anchor)', ['-e', '0']],
  ...builds.flatMap(([tag, bin]): [string, string[]][] => [
    [`${tag}tensorgraft --help`, [bin, '--help']],
    [`${tag}tensorgraft ls CHECKPOINT`, [bin, 'ls', CKPT]],
    [`${tag}tensorgraft ls FILE.safetensors`, [bin, 'ls', SAFETENSORS]],
    [`${tag}tensorgraft cat CHECKPOINT NAME`, [bin, 'cat', CKPT, 'int8']],
  ]),
];
const times = rows.map((): number[] => []);
for (let round = 0; round < RUNS + 2; round++) {
  rows.forEach(([, args], i) => {
    const t = once(args);
    if (round >= 2) times[i]!.push(t);
  });
}
rmSync(dir, { recursive: true });
const node = median(times[0]!);
console.log(`medians of ${RUNS} interleaved rounds`);
console.log(`${rows[0]![0].padEnd(38)} ${node.toFixed(1)} ms`);
rows.slice(1).forEach(([what], i) => {
  const ms = median(times[i + 1]!);
  console.log(
    `${what.padEnd(38)} ${ms.toFixed(1)} ms  start-up overhead ${(ms - node).toFixed(1)} ms  ` +
      `(${(ms / node).toFixed(2)}x bare node)${what.includes(' ls ') ? `  under 100 ms: ${ms < 100 ? 'yes' : 'no'}` : ''}`,
  );
});
