// Child process for the kill tests (test/kill-points.test.ts, interop/tests/test_saver_kill.py): saves checkpoints
// into DIR and is killed by its parent at some moment, or kills itself before its n-th file operation
// (TENSORGRAFT_KILL_BEFORE_FILE_OP, read by @tensorgraft/bundle-io's fileOps). Every tensor of step s holds values
// derived from s, so whatever checkpoint survives can be checked to hold ONE generation.
//   node kill-child.mjs DIR saver|manager SHARDED(0|1) COUNT(n|forever|<n>s) MAX_TO_KEEP
//     (`<n>s`: save every 20 ms for n seconds, a manager numbering its checkpoints itself: the two-writer test)
//   node kill-child.mjs --clean saver|manager SHARDED MAX_TO_KEEP DIR...   one more (clean) save into each DIR
// Writes `saved <step>` to stderr after each save (interleaved with fileOps' trace lines when tracing).
import { writeSync } from 'node:fs';
import { CheckpointManager, latestCheckpoint, Saver } from '@tensorgraft/saver';

const args = process.argv.slice(2);
const clean = args[0] === '--clean';
const [kind, sharded, maxToKeep, ...dirs] = clean ? args.slice(1) : [args[1], args[2], args[4], args[0]];
const count = clean ? '1' : args[3];
const timed = count.endsWith('s');
const a = { dtype: 'float32', shape: [4, 16], data: new Float32Array(64) };
const b = { dtype: 'int64', shape: [3], data: new BigInt64Array(3) };
const c = { dtype: 'string', shape: [2], data: [new Uint8Array(0), new Uint8Array(0)] };
const d = { dtype: 'float32', shape: [8192], data: new Float32Array(8192) };
const values = { a, b, c, d };
async function run(dir) {
  const latest = latestCheckpoint(dir);
  let step = latest ? Number(/-(\d+)$/.exec(latest)[1]) + 1 : 0;
  const keep = Number(maxToKeep);
  const save =
    kind === 'manager'
      ? (() => {
          // durable: its fsyncs are kill points too
          const m = new CheckpointManager(values, dir, { maxToKeep: keep, durable: true });
          return (s) => (timed ? m.save() : m.save({ checkpointNumber: s }));
        })()
      : (() => {
          const devices =
            sharded === '1'
              ? { a: '/device:CPU:0', b: '/device:CPU:1', c: '/device:CPU:0', d: '/device:CPU:1' }
              : undefined;
          const saver = new Saver(values, {
            maxToKeep: keep,
            sharded: sharded === '1',
            ...(devices ? { devices } : {}),
          });
          return (s) => saver.save(`${dir}/model.ckpt`, { globalStep: s, metaGraph: new Uint8Array([s & 255, 7]) });
        })();
  const n = count === 'forever' || timed ? Number.POSITIVE_INFINITY : Number(count);
  const until = timed ? Date.now() + 1000 * Number(count.slice(0, -1)) : Number.POSITIVE_INFINITY;
  for (let i = 0; i < n && Date.now() < until; i++, step++) {
    if (timed) await new Promise((resolve) => setTimeout(resolve, 20));
    a.data.fill(step);
    b.data.fill(BigInt(step) * 3n);
    c.data = [new TextEncoder().encode(`step ${step}`), new Uint8Array(step % 7).fill(step & 255)];
    d.data.fill(-step);
    await save(step);
    writeSync(2, `saved ${step}\n`);
  }
}
for (const dir of dirs) await run(dir);
