// Our CheckpointManager saves `count` checkpoints under a fake clock (start + 10 s each), for TensorFlow's manager to
// pick up.   node saver-manager-save.mjs <dir> <maxToKeep> <start> <count>   prints {checkpoints}
import { CheckpointManager } from '@tensorgraft/saver';

const [dir, maxToKeep, start, count] = process.argv.slice(2);
let now = Number(start);
const w = { dtype: 'float32', shape: [3], data: new Float32Array(3) };
const manager = new CheckpointManager({ w }, dir, { maxToKeep: Number(maxToKeep), clock: () => now });
for (let i = 1; i <= Number(count); i++) {
  now = Number(start) + 10 * i;
  w.data.fill(i);
  await manager.save();
}
console.log(JSON.stringify({ checkpoints: manager.checkpoints }));
