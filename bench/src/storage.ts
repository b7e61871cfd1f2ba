// The storage seam on a VGG-16-sized checkpoint (TF-slim vgg_16 names and shapes, 553 MB float32): local restore with
// the sync BundleReader vs openCheckpointAt over the local store; a full restore over loopback S3 (a real SeaweedFS
// server) vs the local one (issue 15's target: within 1.5x); bytes transferred to fetch one small tensor
// (vgg_16/fc8/biases) over S3 (target: <= index + tensor + 64 KiB); upload rate to S3. Medians of REPEATS runs.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleReader, BundleWriter, configureS3, openCheckpointAt, type Tensor } from '@tensorgraft/bundle-io';
// @ts-expect-error: a plain .mjs helper without types
import { startSeaweed } from '../../scripts/seaweedfs.mjs';
import { fillRandom, median, nowMs, printTable } from './_harness.js';
import { VGG16 } from './_vgg16-layout.js';

const REPEATS = 3;
const SMALL = 'vgg_16/fc8/biases';

const tensors: [string, Tensor][] = VGG16.map(([name, shape], i) => {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fillRandom(data, i + 1);
  return [name, { dtype: 'float32', shape, data }];
});
const BYTES = tensors.reduce((a, [, t]) => a + (t.data as Float32Array).byteLength, 0);
const MB = BYTES / 1e6;

const dir = mkdtempSync(join(tmpdir(), 'tg-bench-storage-'));
const s3 = await startSeaweed({ bucket: 'bench' });
try {
  configureS3({ endpoint: s3.endpoint, pathStyle: true, accessKeyId: '', secretAccessKey: '' });
  const local = join(dir, 'vgg_16.ckpt');
  const w = new BundleWriter(local);
  for (const [n, t] of tensors) await w.addAsync(n, t);
  w.finish();
  const remote = 's3://bench/vgg/vgg_16.ckpt';

  const uploads: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = nowMs();
    const rw = await BundleWriter.create(remote);
    for (const [n, t] of tensors) await rw.addAsync(n, t);
    await rw.finishAsync();
    uploads.push(nowMs() - t0);
  }

  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = nowMs();
      await fn();
      times.push(nowMs() - t0);
      (globalThis as { gc?: () => void }).gc?.();
    }
    return median(times);
  };
  const oldReader = await time(async () => {
    const r = BundleReader.open(local);
    await r.getAll();
    r.close();
  });
  const seamLocal = await time(async () => {
    const r = await openCheckpointAt(local);
    await r.getAll();
    await r.close();
  });
  const seamS3 = await time(async () => {
    const r = await openCheckpointAt(remote);
    await r.getAll();
    await r.close();
  });

  const r = await openCheckpointAt(remote);
  const indexBytes = statSync(`${local}.index`).size;
  const afterIndex = r.bytesRead;
  await r.get(SMALL);
  const oneTensor = r.bytesRead;
  const tensorBytes = r.entry(SMALL).size;
  await r.close();

  console.log(`checkpoint: ${VGG16.length} tensors, ${MB.toFixed(0)} MB; medians of ${REPEATS}`);
  printTable([
    {
      what: 'local restore-all: seam vs sync BundleReader',
      ours: seamLocal,
      anchor: oldReader,
      unit: 'ms',
      anchorName: 'BundleReader',
    },
    {
      what: 'restore-all: loopback S3 vs local (seam)',
      ours: seamS3,
      anchor: seamLocal,
      unit: 'ms',
      anchorName: 'local',
    },
    {
      what: 'upload to S3 vs local restore rate',
      ours: MB / (median(uploads) / 1000),
      anchor: MB / (seamLocal / 1000),
      unit: 'MB/s',
      higherIsBetter: true,
      anchorName: 'local read',
    },
  ]);
  console.log(
    `S3 restore ${(seamS3 / seamLocal).toFixed(2)}x local (target <= 1.5x); S3 restore ${(MB / (seamS3 / 1000)).toFixed(0)} MB/s; upload ${(MB / (median(uploads) / 1000)).toFixed(0)} MB/s`,
  );
  console.log(
    `one tensor (${SMALL}) over S3: ${oneTensor} bytes transferred = index ${afterIndex} (file ${indexBytes}) + ` +
      `${oneTensor - afterIndex} (tensor ${tensorBytes}); limit index + tensor + 65536 = ${indexBytes + tensorBytes + 65536}: ` +
      `${oneTensor <= indexBytes + tensorBytes + 65536 ? 'ok' : 'OVER'}`,
  );
} finally {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
}
