// ls, cat, verify, diff, convert and events on s3:// locations, against a real SeaweedFS server
// (scripts/seaweedfs.mjs; scripts/build-seaweedfs.sh builds it), on a checkpoint written by TensorFlow.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureS3 } from '@tensorgraft/bundle-io';
import { SummaryWriter } from '@tensorgraft/events-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper without types
import { startSeaweed } from '../../../scripts/seaweedfs.mjs';
import { runCli } from './run-cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'checkpoints');
const exp = JSON.parse(readFileSync(join(FIX, 'dtypes', 'expected.json'), 'utf8')) as {
  prefix: string;
  tensors: Record<string, { dtype: string; shape: number[]; values: unknown[] }>;
};
let s3: { endpoint: string; bucket: string; stop(): Promise<void> };

beforeAll(async () => {
  s3 = await startSeaweed({});
  configureS3({ endpoint: s3.endpoint, pathStyle: true, accessKeyId: '', secretAccessKey: '' });
});
afterAll(async () => {
  await s3?.stop();
});

describe('CLI on s3:// locations', () => {
  it('converts a TensorFlow checkpoint to s3, lists, cats, verifies, diffs and converts it back', async () => {
    const remote = `s3://${s3.bucket}/cli/model.ckpt`;
    const c = await runCli('convert', join(FIX, 'dtypes', exp.prefix), remote);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);

    const ls = await runCli('ls', remote, '--json');
    expect(ls.code).toBe(0);
    const doc = JSON.parse(ls.stdout) as { tensors: { name: string; dtype: string; shape: number[] }[] };
    expect(doc.tensors.map((t) => t.name).sort()).toEqual(Object.keys(exp.tensors).sort());
    for (const t of doc.tensors)
      expect([t.dtype, t.shape]).toEqual([exp.tensors[t.name]!.dtype, exp.tensors[t.name]!.shape]);

    const cat = await runCli('cat', remote, 'zeta/float32', '--json');
    expect(cat.code).toBe(0);
    expect((JSON.parse(cat.stdout) as { values: unknown[] }).values).toEqual(
      JSON.parse(JSON.stringify(exp.tensors['zeta/float32']!.values)),
    );
    expect((await runCli('verify', remote)).code).toBe(0);
    const diff = await runCli('diff', join(FIX, 'dtypes', exp.prefix), remote);
    expect(diff.code).toBe(0);

    const back = join(mkdtempSync(join(tmpdir(), 'tg-cli-s3-')), 'model.ckpt');
    expect((await runCli('convert', remote, back)).code).toBe(0);
    expect((await runCli('diff', join(FIX, 'dtypes', exp.prefix), back)).code).toBe(0);

    const missing = await runCli('ls', `s3://${s3.bucket}/cli/nothing`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`/${s3.bucket}/cli/nothing.index`);
  });

  it('prints the events of an s3:// logdir', async () => {
    const w = new SummaryWriter(`s3://${s3.bucket}/cli-logs`);
    w.scalar('loss', 0.5, 3);
    await w.close();
    const r = await runCli('events', `s3://${s3.bucket}/cli-logs`, '--json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"loss"');
    expect(r.stdout).toContain('0.5');
  });
});
