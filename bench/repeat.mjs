// `pnpm --filter @tensorgraft/bench repeat AREA [RUNS]`: runs bench/src/<AREA>.ts RUNS times in a row (default 5), as
// `pnpm bench AREA` does, keeps each run's output, and prints every row's speed-up over its anchor per run with the
// median and minimum over the runs (plus any "fraction of it" figures), so a claim such as "save >= 1.5x TensorFlow in
// every one of 5 runs" can be read off one table. Outputs are saved to $TMPDIR/tg-bench-<AREA>-<run>.log.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [area, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
if (!area || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: node repeat.mjs AREA [RUNS]');
  process.exit(2);
}

/** `what ... ours is 1.23x ANCHOR` rows (printTable), and `<label> 0.46` pairs after "as a fraction of it:". */
function parse(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    const row = /^(.{44}) ours .* ours is ([\d.]+)x /.exec(line);
    if (row) out.set(`${row[1].trim()} (x anchor)`, Number(row[2]));
    const frac = /as a fraction of it: (.*)$/.exec(line);
    if (frac) {
      let who = 'ours';
      for (const part of frac[1].split(/[,;] /)) {
        const m = /^(?:(TF): )?(.+?) ([\d.]+)$/.exec(part.trim());
        if (!m) continue;
        if (m[1]) who = m[1];
        out.set(`${who} ${m[2]} (fraction of raw)`, Number(m[3]));
      }
    }
  }
  return out;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

const results = [];
for (let r = 1; r <= runs; r++) {
  const started = new Date().toISOString();
  const p = spawnSync(join(here, 'node_modules', '.bin', 'tsx'), [join(here, 'src', `${area}.ts`)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() },
  });
  const log = join(tmpdir(), `tg-bench-${area}-${r}.log`);
  writeFileSync(log, `${started}\n${p.stdout}${p.stderr}`);
  if (p.status !== 0) {
    console.error(`run ${r} failed (see ${log}):\n${p.stderr}`);
    process.exit(1);
  }
  results.push(parse(p.stdout));
  console.log(`run ${r}/${runs} (started ${started}) done, output in ${log}`);
}
const keys = [...new Set(results.flatMap((m) => [...m.keys()]))];
const width = Math.max(...keys.map((k) => k.length));
console.log(`\n${'row'.padEnd(width)}  ${results.map((_, i) => `run ${i + 1}`.padStart(6)).join(' ')}  median    min`);
for (const k of keys) {
  const v = results.map((m) => m.get(k));
  const have = v.filter((x) => x !== undefined);
  const cells = v.map((x) => (x === undefined ? '-' : x.toFixed(2)).padStart(6)).join(' ');
  const low = Math.min(...have);
  console.log(`${k.padEnd(width)}  ${cells}  ${median(have).toFixed(2).padStart(6)} ${low.toFixed(2).padStart(6)}`);
}
