// `pnpm bench [AREA...]`: runs bench/src/<area>.ts for each area named (all of them when none is), one after another.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(join(here, 'src'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown bench ${unknown.join(', ')}; have: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const area of wanted.length ? wanted : all) {
  console.log(`\n## bench: ${area}`);
  // --expose-gc: benches may collect garbage between timings (outside them), so one timing does not pay for another's.
  const r = spawnSync(join(here, 'node_modules', '.bin', 'tsx'), [join(here, 'src', `${area}.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
