// Node side of interop/tests/test_storage.py (S3 settings from the environment: TENSORGRAFT_S3_ENDPOINT, AWS_*).
//   node storage-s3.mjs schedule S3_CHECKPOINT LOCAL_DIR S3_DIR
//     reads S3_CHECKPOINT (converted from TensorFlow's), then saves its tensors with a Saver (maxToKeep 2, steps
//     1..5) and a CheckpointManager (maxToKeep 2, 5 saves) both under LOCAL_DIR and S3_DIR; restores the latest of
//     each from both places; prints {localFiles, s3Files, restored: {local, s3}} (values as JSON lists)
//   node storage-s3.mjs logs S3_LOGDIR LOCAL_DIR
//     writes scalars with a SummaryWriter to S3_LOGDIR, then copies the event files down into LOCAL_DIR
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpointAt, resolveStore, tensorJsonValues } from '@tensorgraft/bundle-io';
import { SummaryWriter } from '@tensorgraft/events-writer';
import { CheckpointManager, Saver } from '@tensorgraft/saver';

const [cmd, ...args] = process.argv.slice(2);

async function names(dir) {
  return (await resolveStore(dir).list(dir)).map((l) => l.slice(dir.length + 1)).sort();
}

function zerosLike(tensors) {
  const out = {};
  for (const [n, t] of Object.entries(tensors)) {
    out[n] = { dtype: t.dtype, shape: t.shape, data: new t.data.constructor(t.data.length) };
  }
  return out;
}

function asJson(tensors) {
  return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, tensorJsonValues(t)]));
}

if (cmd === 'schedule') {
  const [s3Checkpoint, localDir, s3Dir] = args;
  const r = await openCheckpointAt(s3Checkpoint);
  const all = await r.getAll();
  await r.close();
  // The variables: every numeric tensor (the object graph's string proto is TF's bookkeeping, not a variable).
  const values = Object.fromEntries([...all].filter(([, t]) => t.dtype !== 'string'));
  mkdirSync(join(localDir, 'saver'), { recursive: true });
  const places = { local: localDir, s3: s3Dir };
  const out = { localFiles: {}, s3Files: {}, restored: {} };
  for (const [where, dir] of Object.entries(places)) {
    const saver = new Saver(values, { maxToKeep: 2 });
    for (let step = 1; step <= 5; step++) await saver.save(`${dir}/saver/model.ckpt`, { globalStep: step });
    const manager = await CheckpointManager.open(values, `${dir}/manager`, { maxToKeep: 2 });
    for (let i = 0; i < 5; i++) await manager.save();
    const target = zerosLike(values);
    await new Saver(target).restore(`${dir}/manager`);
    out.restored[where] = asJson(target);
  }
  out.localFiles = {
    saver: readdirSync(join(localDir, 'saver')).sort(),
    manager: readdirSync(join(localDir, 'manager')).sort(),
  };
  out.s3Files = { saver: await names(`${s3Dir}/saver`), manager: await names(`${s3Dir}/manager`) };
  process.stdout.write(JSON.stringify(out));
} else if (cmd === 'logs') {
  const [s3Logdir, localDir] = args;
  const w = new SummaryWriter(s3Logdir);
  for (let step = 0; step < 10; step++) w.scalar('loss', 1 / (step + 1), step);
  await w.flush();
  w.scalar('accuracy', 0.75, 10);
  await w.close();
  mkdirSync(localDir, { recursive: true });
  for (const o of await names(s3Logdir)) {
    const src = await resolveStore(`${s3Logdir}/${o}`).open(`${s3Logdir}/${o}`);
    writeFileSync(join(localDir, o), await src.read(0, src.size));
    await src.close();
  }
  process.stdout.write(JSON.stringify({ path: w.path }));
} else {
  throw new Error(`unknown command ${cmd}`);
}
