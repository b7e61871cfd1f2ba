// Child process for crash.test.ts: waits for a line on stdin (so the parent can start it ahead of time), then saves
// checkpoints in a loop until it is killed. Every tensor of checkpoint step s holds values derived from s, so the
// parent can verify whatever checkpoint survives.
import { latestCheckpoint, Saver } from '@tensorgraft/saver';

const [dir, maxToKeep] = process.argv.slice(2);
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const latest = latestCheckpoint(dir);
let step = latest ? Number(/-(\d+)$/.exec(latest)[1]) + 1 : 0;
const a = { dtype: 'float32', shape: [64], data: new Float32Array(64) };
const b = { dtype: 'int64', shape: [3], data: new BigInt64Array(3) };
const c = { dtype: 'string', shape: [2], data: [new Uint8Array(0), new Uint8Array(0)] };
const saver = new Saver({ a, b, c }, { maxToKeep: Number(maxToKeep) });
process.stdout.write('saving\n');
for (;;) {
  a.data.fill(step);
  b.data.fill(BigInt(step) * 3n);
  c.data = [new TextEncoder().encode(`step ${step}`), new Uint8Array(step % 7)];
  await saver.save(`${dir}/model.ckpt`, { globalStep: step, metaGraph: new Uint8Array([step & 255]) });
  step++;
}
