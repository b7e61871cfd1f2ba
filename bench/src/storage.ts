// The storage seam on a VGG-16-sized checkpoint (TF-slim vgg_16 names and shapes, 553 MB float32): local restore with
// the sync BundleReader vs openCheckpointAt over the local store; a full restore over loopback S3 (a real SeaweedFS
// server) vs the local one (issue 15's target: within 1.5x) and vs the raw ceilings of the same machine and server
// (plain fetch of the data object whole and as 2/4/8 parallel ranges, node:http, curl -o /dev/null); our restore's
// concurrency x range size swept; SigV4 signing cost per request; bytes transferred to fetch one small tensor
// (vgg_16/fc8/biases) over S3 (target: <= index + tensor + 64 KiB); upload rate to S3. Medians of interleaved rounds.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AsyncReadOptions,
  BundleReader,
  BundleWriter,
  configureS3,
  openCheckpointAt,
  type Tensor,
} from '@tensorgraft/bundle-io';
import { allocateLargeBuffer } from '@tensorgraft/proto/lite';
// @ts-expect-error: a plain .mjs helper without types
import { startSeaweed } from '../../scripts/seaweedfs.mjs';
import { fillRandom, median, nowMs, printTable } from './_harness.js';
import { curlMs, fetchRanges, hasCurl, nodeHttpGet } from './_raw-http.js';
import { VGG16 } from './_vgg16-layout.js';

// aws4fetch is bundle-io's dependency, not the bench's: resolved from there to time the signing it does.
const { AwsClient } = (await import(
  createRequire(import.meta.resolve('@tensorgraft/bundle-io')).resolve('aws4fetch')
)) as { AwsClient: new (o: Record<string, string>) => { sign(url: string, init: object): Promise<unknown> } };

const REPEATS = 3; // uploads
const ROUNDS = 5;
const SWEEP_ROUNDS = 3;
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

  // Interleaved rounds: the machine is shared, so each round measures everything once and load swings hit all alike.
  const dataUrl = `${s3.endpoint}/bench/vgg/vgg_16.ckpt.data-00000-of-00001`;
  const dataBytes = statSync(`${local}.data-00000-of-00001`).size;
  const dest = new Uint8Array(dataBytes).fill(1); // preallocated and touched: raw reads pay no page faults
  const curl = hasCurl();
  const restore = async (at: string, options?: AsyncReadOptions) => {
    const rr = await openCheckpointAt(at, options);
    await rr.getAll();
    await rr.close();
  };
  const viaFetch = async () => {
    configureS3({ directReads: false });
    try {
      await restore(remote);
    } finally {
      configureS3({ directReads: true });
    }
  };
  const measures: Record<string, () => Promise<unknown>> = {
    BundleReader: async () => {
      const br = BundleReader.open(local);
      await br.getAll();
      br.close();
    },
    local: () => restore(local),
    ours: () => restore(remote),
    'ours via fetch': viaFetch,
    'fetch x1': () => fetchRanges(dataUrl, dest, 1),
    'fetch x2': () => fetchRanges(dataUrl, dest, 2),
    'fetch x4': () => fetchRanges(dataUrl, dest, 4),
    'fetch x8': () => fetchRanges(dataUrl, dest, 8),
    'node:http x1': () => nodeHttpGet(dataUrl, dest),
    // What landing the bytes in fresh memory costs by itself (page faults and zeroing), which the raw reads above
    // skip (a touched buffer, /dev/null) and every restore, local or remote, pays for its new tensors: allocated
    // tensor by tensor as restores do (allocateLargeBuffer: huge pages from 4 MiB where the native module is built).
    'fault-in': async () => {
      for (const [, t] of tensors) {
        const fresh = new Uint8Array(allocateLargeBuffer((t.data as Float32Array).byteLength));
        for (let i = 0; i < fresh.length; i += 4096) fresh[i] = 1;
      }
    },
  };
  const times: Record<string, number[]> = {};
  const record = (what: string, ms: number) => {
    times[what] = [...(times[what] ?? []), ms];
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [what, fn] of Object.entries(measures)) {
      const t0 = nowMs();
      await fn();
      record(what, nowMs() - t0);
      (globalThis as { gc?: () => void }).gc?.();
    }
    if (curl) record('curl', curlMs(dataUrl));
  }
  const med = (what: string) => median(times[what]!);
  const oldReader = med('BundleReader');
  const seamLocal = med('local');
  const seamS3 = med('ours');

  // Our restore's knobs swept, in interleaved rounds too (fewer of them).
  const knobs = [
    [1, 16],
    [2, 16],
    [4, 16],
    [8, 16],
    [1, 4],
    [1, 64],
  ] as const;
  const knobTimes = knobs.map(() => [] as number[]);
  for (let round = 0; round < SWEEP_ROUNDS; round++) {
    for (const [k, [concurrency, mib]] of knobs.entries()) {
      const t0 = nowMs();
      await restore(remote, { concurrency, chunkBytes: mib << 20 });
      knobTimes[k]!.push(nowMs() - t0);
      (globalThis as { gc?: () => void }).gc?.();
    }
  }
  const sweep = knobs.map(([c, mib], k) => `${c} x ${mib} MiB ${median(knobTimes[k]!).toFixed(0)} ms`);

  // SigV4 signing, which a credentialed restore pays once per ranged GET.
  const signer = new AwsClient({
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'secret',
    region: 'us-east-1',
    service: 's3',
  });
  for (let i = 0; i < 50; i++) await signer.sign(dataUrl, { headers: { range: 'bytes=0-1' } });
  const SIGNS = 500;
  const s0 = nowMs();
  for (let i = 0; i < SIGNS; i++) await signer.sign(dataUrl, { headers: { range: `bytes=${i}-${i + 1}` } });
  const signUs = ((nowMs() - s0) * 1000) / SIGNS;
  // getAll joins neighbouring tensors into one GET per 16 MiB window of the data object (bundle-core's groupReads).
  const ranges = Math.ceil(dataBytes / (16 << 20));

  const r = await openCheckpointAt(remote);
  const indexBytes = statSync(`${local}.index`).size;
  const afterIndex = r.bytesRead;
  await r.get(SMALL);
  const oneTensor = r.bytesRead;
  const tensorBytes = r.entry(SMALL).size;
  await r.close();

  const rate = (ms: number) => dataBytes / 1e6 / (ms / 1000);
  const raw = ['fetch x1', 'fetch x2', 'fetch x4', 'fetch x8', 'node:http x1', ...(curl ? ['curl'] : [])];
  const best = raw.reduce((a, b) => (med(b) < med(a) ? b : a));
  console.log(`checkpoint: ${VGG16.length} tensors, ${MB.toFixed(0)} MB; medians of ${ROUNDS} interleaved rounds`);
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
    { what: 'restore-all: loopback S3 vs best raw GET', ours: seamS3, anchor: med(best), unit: 'ms', anchorName: best },
    {
      what: 'restore-all: loopback S3, ours vs via fetch',
      ours: seamS3,
      anchor: med('ours via fetch'),
      unit: 'ms',
      anchorName: 'via fetch',
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
    `raw GET of the ${(dataBytes / 1e6).toFixed(0)} MB data object (MB/s): ` +
      raw.map((w) => `${w} ${rate(med(w)).toFixed(0)}`).join(', ') +
      (curl ? '' : ' (no curl here)'),
  );
  console.log(
    `S3 restore ${seamS3.toFixed(0)} ms = ${rate(seamS3).toFixed(0)} MB/s = ${(seamS3 / seamLocal).toFixed(2)}x local ` +
      `(${seamLocal.toFixed(0)} ms; target <= 1.5x) = ${(med(best) / seamS3).toFixed(2)} of the best raw rate (${best}); ` +
      `best raw itself is ${(med(best) / seamLocal).toFixed(2)}x local, ${(med('fetch x1') / seamLocal).toFixed(2)}x with one fetch`,
  );
  const landed = med(best) + med('fault-in');
  console.log(
    `fresh memory: faulting in ${(dataBytes / 1e6).toFixed(0)} MB takes ${med('fault-in').toFixed(0)} ms; best raw GET + ` +
      `that = ${landed.toFixed(0)} ms, the ceiling for a download into new tensors: ours is ${(landed / seamS3).toFixed(2)} of it`,
  );
  console.log(`our restore swept (concurrency x range, medians of ${SWEEP_ROUNDS}): ${sweep.join('; ')}`);
  console.log(
    `SigV4 signing: ${signUs.toFixed(0)} µs per request; ${ranges} ranged GETs of 16 MiB per restore = ` +
      `${((signUs * ranges) / 1000).toFixed(1)} ms; upload ${(MB / (median(uploads) / 1000)).toFixed(0)} MB/s`,
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
