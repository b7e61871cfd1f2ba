// Child process for test/s3.test.ts's kill test: saves checkpoint after checkpoint to an s3:// directory with a
// CheckpointManager (the endpoint and credentials come from the environment), every tensor of step s holding values
// derived from s, until its parent kills it. Writes `saved <step>` to stderr after each save.
//   node s3-save-child.mjs s3://bucket/dir MAX_TO_KEEP
import { writeSync } from 'node:fs';
import { CheckpointManager } from '@tensorgraft/saver';

const [dir, keep] = process.argv.slice(2);
const big = new Float32Array(3 << 20); // 12 MiB: a multipart upload (5 MiB parts)
const small = new BigInt64Array(3);
const values = {
  big: { dtype: 'float32', shape: [big.length], data: big },
  small: { dtype: 'int64', shape: [3], data: small },
};
const m = await CheckpointManager.open(values, dir, { maxToKeep: Number(keep) });
for (let step = (Number(/-(\d+)$/.exec(m.latestCheckpoint ?? '')?.[1] ?? 0) || 0) + 1; ; step++) {
  big.fill(step);
  small.fill(BigInt(step));
  await m.save({ checkpointNumber: step });
  writeSync(2, `saved ${step}\n`);
}
