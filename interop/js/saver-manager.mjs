// CheckpointManager picking up a directory TensorFlow's tf.train.CheckpointManager wrote: restores the latest
// object-based checkpoint by object path, then saves once more under the same retention.
//   node saver-manager.mjs <dir> <maxToKeep> <now>   prints {checkpoints, restored, saved, after}
import { CheckpointManager } from '@tensorgraft/saver';

const [dir, maxToKeep, now] = process.argv.slice(2);
const w = { dtype: 'float32', shape: [3], data: new Float32Array(3) };
const step = { dtype: 'int64', shape: [], data: new BigInt64Array(1) };
const manager = new CheckpointManager({ w, step }, dir, { maxToKeep: Number(maxToKeep), clock: () => Number(now) });
const checkpoints = manager.checkpoints;
const report = await manager.restoreOrInitialize();
const restored = { w: Array.from(w.data), step: String(step.data[0]), from: report?.prefix };
w.data.fill(9);
const saved = await manager.save();
console.log(JSON.stringify({ checkpoints, restored, saved, after: manager.checkpoints }));
