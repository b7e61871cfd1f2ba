// CLI start-up: wall time of `tensorgraft --help`, `tensorgraft ls CHECKPOINT` (a small TensorFlow checkpoint),
// `tensorgraft ls` of a safetensors file and `tensorgraft cat`, each a fresh Node process, against the anchor of a bare
// Node start (`node -e 0`) measured in the same run; the difference is what tensorgraft's own loading costs. Issue 13
// asks `ls` to start in under 0.1 s. RUNS rounds after 2 warm-up rounds; each round runs every row once, in turn, so
// the load of other processes on the shared cores hits every row alike; the figures are per-row medians. Each process
// also reports the CPU time it used (a CommonJS preload prints process.cpuUsage() at exit; CommonJS, so the bare
// anchor does not start Node's ES module loader for it): on a loaded machine wall time grows with the queue for the
// cores, CPU time much less, so it says what the start-up costs where the cores are free.
// BASE_BIN=path/to/other/bin.js adds the same rows for another build (e.g. before a change) in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, nowMs, REPO } from './_harness.js';

const BIN = join(REPO, 'apps', 'cli', 'dist', 'bin.js');
const CKPT = join(REPO, 'fixtures', 'checkpoints', 'dtypes', 'model.ckpt');
const RUNS = Number(process.env.RUNS ?? 21);
// tsx (which runs this file) hands its loader to child processes through NODE_OPTIONS: the CLI runs without it
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));

const dir = mkdtempSync(join(tmpdir(), 'tensorgraft-bench-'));
const CPU_PRELOAD = join(dir, 'cpu.cjs');
writeFileSync(
  CPU_PRELOAD,
  "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\ncpu-us ' + (u.user + u.system) + '\\n'); });\n",
);

/** Wall and CPU milliseconds of one `node ARGS` process. */
function once(args: string[]): { wall: number; cpu: number } {
  const t0 = nowMs();
  const r = spawnSync(process.execPath, ['-r', CPU_PRELOAD, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: ENV,
  });
  const wall = nowMs() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpu = /cpu-us (\d+)\s*$/.exec(String(r.stderr));
  if (!cpu) throw new Error(`node ${args.join(' ')} reported no CPU time: ${r.stderr}`);
  return { wall, cpu: Number(cpu[1]) / 1000 };
}

// The safetensors file: the same checkpoint converted (without the dtypes safetensors cannot hold).
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
const load = loadavg()[0]!;
const walls = rows.map((): number[] => []);
const cpus = rows.map((): number[] => []);
for (let round = 0; round < RUNS + 2; round++) {
  rows.forEach(([, args], i) => {
    const t = once(args);
    if (round < 2) return;
    walls[i]!.push(t.wall);
    cpus[i]!.push(t.cpu);
  });
}
rmSync(dir, { recursive: true });
const node = median(walls[0]!);
const nodeCpu = median(cpus[0]!);
console.log(
  `medians of ${RUNS} interleaved rounds; load average ${load.toFixed(1)} at the start, ` +
    `${loadavg()[0]!.toFixed(1)} at the end (${availableParallelism()} cores)`,
);
console.log(`${rows[0]![0].padEnd(38)} wall ${node.toFixed(1)} ms  cpu ${nodeCpu.toFixed(1)} ms`);
rows.slice(1).forEach(([what], i) => {
  const ms = median(walls[i + 1]!);
  const cpu = median(cpus[i + 1]!);
  console.log(
    `${what.padEnd(38)} wall ${ms.toFixed(1)} ms (+${(ms - node).toFixed(1)}, ${(ms / node).toFixed(2)}x bare node)` +
      `  cpu ${cpu.toFixed(1)} ms (+${(cpu - nodeCpu).toFixed(1)}, ${(cpu / nodeCpu).toFixed(2)}x)` +
      (what.includes(' ls ') ? `  wall under 100 ms: ${ms < 100 ? 'yes' : 'no'}` : ''),
  );
});
