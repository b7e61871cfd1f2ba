// Replays a save schedule with @tensorgraft/saver under a fake clock and prints the directory after every save.
//   node saver-schedule.mjs <dir> <schedule.json>
// schedule.json: {kind: 'saver'|'manager', args: {...TensorFlow's argument names}, prefix, build_time,
//                 saves: [[time, step]], relative?: run from the directory's parent with a relative path}
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager, Saver } from '@tensorgraft/saver';

const [dirArg, schedulePath] = process.argv.slice(2);
const s = JSON.parse(readFileSync(schedulePath, 'utf8'));
// relative: run inside dir's parent with a relative directory name, as a program started there would.
let dir = dirArg;
if (s.relative) {
  process.chdir(join(dirArg, '..'));
  dir = dirArg.slice(dirArg.lastIndexOf('/') + 1);
}
let now = s.build_time;
const clock = () => now;
const v = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
const a = s.args;
const hours =
  a.keep_checkpoint_every_n_hours === undefined ? {} : { keepCheckpointEveryNHours: a.keep_checkpoint_every_n_hours };
const snapshots = [];
const snapshot = () => {
  const files = readdirSync(dir).sort();
  const state = files.includes('checkpoint')
    ? readFileSync(join(dir, 'checkpoint'), 'utf8').replaceAll(`${dir}/`, '<DIR>/')
    : null;
  snapshots.push({ files, state });
};
if (s.kind === 'saver') {
  const saver = new Saver(
    { v },
    { maxToKeep: a.max_to_keep, saveRelativePaths: a.save_relative_paths ?? false, ...hours, clock },
  );
  for (const [t, step] of s.saves) {
    now = t;
    v.data.set([step, t]);
    await saver.save(join(dir, s.prefix), { globalStep: step });
    snapshot();
  }
} else {
  const manager = new CheckpointManager({ v }, dir, { maxToKeep: a.max_to_keep, ...hours, clock });
  for (const [t, step] of s.saves) {
    now = t;
    await manager.save({ checkpointNumber: step });
    snapshot();
  }
}
console.log(JSON.stringify(snapshots));
