// Mixer live check, our side: mixes the models described in a JSON file ([{scope, metaGraph, checkpoint, inputMap,
// trainable}...]), optionally freezes scopes, and saves the merged meta graph + checkpoint straight from the models'
// checkpoints (no session). Prints the save report, the freeze plan and the restore map.
//   node mixer-merge.mjs <specs.json> <out prefix> [frozen scope,...]
import { readFileSync } from 'node:fs';
import { freeze, mix, saveMixed } from '@tensorgraft/mixer';

const [specsPath, outPrefix, frozen] = process.argv.slice(2);
const specs = JSON.parse(readFileSync(specsPath, 'utf8'));
const mixed = mix(specs);
const plan = frozen ? freeze(mixed, { scopes: frozen.split(',') }) : null;
const report = await saveMixed(mixed, outPrefix);
console.log(
  JSON.stringify({
    report,
    plan,
    restoreMap: Object.fromEntries([...mixed.restoreMap].map(([k, e]) => [k, { key: e.key, model: e.model }])),
  }),
);
