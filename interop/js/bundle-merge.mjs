// node bundle-merge.mjs OUT IN...: MergeV2Checkpoints of the bundles IN... into prefix OUT (deleting old dirs).
import { mergeBundles } from '@tensorgraft/bundle-io';

const [out, ...inputs] = process.argv.slice(2);
mergeBundles(inputs, out, { deleteOldDirs: true });
process.stdout.write(JSON.stringify({ merged: inputs.length, out }));
