// The nightly-style fuzz run: `pnpm fuzz [--cases N] [--seed S] [--target NAME] [--path P]`. N cases (default
// 1,000,000) are split evenly over the targets (or all go to --target); each target runs under fast-check with seed
// S (default: the time), printed so that a failure replays with the same seed, target and the printed --path.
// Exit 1 if any target failed.
import { parseArgs } from 'node:util';
import { fuzzTarget } from './check.js';
import { allTargets } from './targets.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    target: { type: 'string' },
    path: { type: 'string' },
  },
});
const cases = Number(values.cases);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write('usage: pnpm fuzz [--cases N] [--seed S] [--target NAME] [--path P]\n');
  process.exit(2);
}
const targets = allTargets().filter((t) => values.target === undefined || t.name === values.target);
if (targets.length === 0) {
  process.stderr.write(
    `no target named ${values.target}; targets: ${allTargets()
      .map((t) => t.name)
      .join(', ')}\n`,
  );
  process.exit(2);
}
const per = Math.ceil(cases / targets.length);
process.stdout.write(`fuzz: ${per * targets.length} cases over ${targets.length} targets, seed ${seed}\n`);
let failed = 0;
let total = 0;
const start = performance.now();
for (const t of targets) {
  const r = fuzzTarget(t, { numRuns: per, seed, path: values.path });
  total += r.numRuns;
  process.stdout.write(
    `${r.failed ? 'FAIL' : 'ok  '} ${t.name}: ${r.numRuns} cases in ${(r.ms / 1000).toFixed(1)} s\n`,
  );
  if (r.failed) {
    failed++;
    process.stdout.write(
      `  replay: pnpm fuzz --target ${t.name} --seed ${r.seed} --path ${r.path}\n  input: ${r.input}\n  ${r.error?.replaceAll('\n', '\n  ')}\n`,
    );
  }
}
process.stdout.write(
  `fuzz: ${total} cases, ${failed} failing targets, ${((performance.now() - start) / 1000).toFixed(1)} s, seed ${seed}\n`,
);
process.exit(failed ? 1 : 0);
