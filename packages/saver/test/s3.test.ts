// Saver, CheckpointManager and latestCheckpointAt on s3:// locations, against a real SeaweedFS server
// (scripts/seaweedfs.mjs; scripts/build-seaweedfs.sh builds it): TensorFlow-written values round-trip, retention
// keeps the same files as on disk, and a save killed at random moments leaves no partial checkpoint visible.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BundleReader, configureS3, resolveStore, type Tensor } from '@tensorgraft/bundle-io';
import {
  CheckpointManager,
  getCheckpointStateAt,
  latestCheckpoint,
  latestCheckpointAt,
  Saver,
} from '@tensorgraft/saver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper without types
import { startSeaweed } from '../../../scripts/seaweedfs.mjs';
import { FIXTURES, readJson, tempDir } from './helpers.js';

const CREDS = { accessKey: 'saveraccess', secretKey: 'saversecret' };
let s3: { endpoint: string; bucket: string; env: Record<string, string>; stop(): Promise<void> };

beforeAll(async () => {
  s3 = await startSeaweed({ credentials: CREDS });
  configureS3({
    endpoint: s3.endpoint,
    pathStyle: true,
    accessKeyId: CREDS.accessKey,
    secretAccessKey: CREDS.secretKey,
    partBytes: 5 << 20,
    attempts: 4,
  });
});
afterAll(async () => {
  await s3?.stop();
});

/** The TensorFlow-written `saver` fixture's tensors, and zeroed variables of the same dtypes and shapes. */
function tfTensors(): { tf: Map<string, Tensor>; zeros: Record<string, Tensor> } {
  const r = BundleReader.open(join(FIXTURES, 'checkpoints', 'saver', 'model.ckpt-1000'));
  const tf = new Map(r.names().map((n) => [n, r.get(n)]));
  r.close();
  const zeros: Record<string, Tensor> = {};
  for (const [n, t] of tf) {
    const data = Array.isArray(t.data)
      ? t.data.map(() => new Uint8Array(0))
      : new (t.data.constructor as new (n: number) => typeof t.data)(t.data.length);
    zeros[n] = { dtype: t.dtype, shape: t.shape, data } as Tensor;
  }
  return { tf, zeros };
}

async function names(prefix: string): Promise<string[]> {
  return (await resolveStore(prefix).list(prefix)).map((l) => l.slice(prefix.length + 1)).sort();
}

describe('Saver and CheckpointManager on s3://', () => {
  it("saves TensorFlow's values to s3 and restores them equal", async () => {
    const { tf, zeros } = tfTensors();
    const exp = readJson(join(FIXTURES, 'checkpoints', 'saver', 'expected.json'));
    const dir = `s3://${s3.bucket}/saver-roundtrip`;
    const saved = await new Saver(Object.fromEntries(tf)).save(`${dir}/model.ckpt`, { globalStep: 1000 });
    expect(saved).toBe(`${dir}/model.ckpt-1000`);
    expect(await latestCheckpointAt(dir)).toBe(saved);
    const report = await new Saver(zeros).restore(dir);
    expect(report.prefix).toBe(saved);
    for (const [n, t] of tf) expect(zeros[n]).toEqual(t);
    expect(Object.keys(exp.tensors).sort()).toEqual([...tf.keys()].sort());
  });

  it('retains the same checkpoints as on disk, for Saver and CheckpointManager', async () => {
    const { tf } = tfTensors();
    const values = Object.fromEntries(tf);
    const local = tempDir();
    const remote = `s3://${s3.bucket}/retention`;
    mkdirSync(join(local, 'saver'));
    const ls = new Saver(values, { maxToKeep: 2 });
    const rs = new Saver(values, { maxToKeep: 2 });
    for (let step = 1; step <= 5; step++) {
      await ls.save(join(local, 'saver', 'model.ckpt'), { globalStep: step });
      await rs.save(`${remote}/saver/model.ckpt`, { globalStep: step });
    }
    const localSaver = readdirSync(join(local, 'saver')).sort();
    expect(await names(`${remote}/saver`)).toEqual(localSaver);
    expect(localSaver).toContain('model.ckpt-5.index');
    expect(localSaver).not.toContain('model.ckpt-3.index');

    const lm = new CheckpointManager(values, join(local, 'mgr'), { maxToKeep: 3 });
    const rm = await CheckpointManager.open(values, `${remote}/mgr`, { maxToKeep: 3 });
    for (let i = 0; i < 6; i++) {
      await lm.save();
      await rm.save();
    }
    expect(await names(`${remote}/mgr`)).toEqual(readdirSync(join(local, 'mgr')).sort());
    const rstate = (await getCheckpointStateAt(`${remote}/mgr`))!;
    expect(rstate.allModelCheckpointPaths).toEqual([4, 5, 6].map((n) => `${remote}/mgr/ckpt-${n}`));
    expect(latestCheckpoint(join(local, 'mgr'))).toBe(join(local, 'mgr', 'ckpt-6'));

    // A restarted manager picks up the remote state: it numbers on and keeps retaining.
    const again = await CheckpointManager.open(values, `${remote}/mgr`, { maxToKeep: 3 });
    expect(again.latestCheckpoint).toBe(`${remote}/mgr/ckpt-6`);
    expect(await again.save()).toBe(`${remote}/mgr/ckpt-7`);
    expect((await names(`${remote}/mgr`)).filter((n) => n.endsWith('.index'))).toEqual([
      'ckpt-5.index',
      'ckpt-6.index',
      'ckpt-7.index',
    ]);
  });

  it('a save killed at 30 random moments never leaves a partial checkpoint visible; the latest restores', async () => {
    const dir = `s3://${s3.bucket}/killed`;
    const child = join(import.meta.dirname, 's3-save-child.mjs');
    const env = {
      ...process.env,
      ...s3.env,
      AWS_ACCESS_KEY_ID: CREDS.accessKey,
      AWS_SECRET_ACCESS_KEY: CREDS.secretKey,
    };
    let lastLatest = 0;
    for (let round = 0; round < 30; round++) {
      const p = spawn(process.execPath, [child, dir, '2'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => {
        err += d;
      });
      // A random moment: sometimes before the first save completes, mostly in the middle of one.
      const delay = 300 + Math.floor(Math.random() * 1500);
      await new Promise((r) => setTimeout(r, delay));
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
      expect(err).not.toMatch(/Error/);
      const latest = await latestCheckpointAt(dir);
      if (latest === undefined) {
        expect(lastLatest).toBe(0);
        continue;
      }
      const step = Number(/-(\d+)$/.exec(latest)![1]);
      expect(step).toBeGreaterThanOrEqual(lastLatest);
      lastLatest = step;
      // Every index visible is a complete checkpoint of one generation.
      for (const idx of (await names(dir)).filter((n) => n.endsWith('.index'))) {
        const prefix = `${dir}/${idx.slice(0, -'.index'.length)}`;
        const s = Number(/-(\d+)$/.exec(prefix)![1]);
        const big = { dtype: 'float32', shape: [3 << 20], data: new Float32Array(3 << 20) } as Tensor;
        const small = { dtype: 'int64', shape: [3], data: new BigInt64Array(3) } as Tensor;
        await new Saver({ big, small }).restore(prefix);
        expect((big.data as Float32Array).every((v) => v === s)).toBe(true);
        expect([...(small.data as BigInt64Array)]).toEqual([BigInt(s), BigInt(s), BigInt(s)]);
      }
    }
    expect(lastLatest).toBeGreaterThan(0);
  });
});
