// SummaryWriter on object-store logdirs (mem://, and s3:// against a real SeaweedFS server): the event file is
// uploaded whole on flush/close and holds the same events a local logdir gets.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureS3, resolveStore } from '@tensorgraft/bundle-io';
import { parseEvents, SummaryWriter } from '@tensorgraft/events-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper without types
import { startSeaweed } from '../../../scripts/seaweedfs.mjs';

let s3: { endpoint: string; bucket: string; stop(): Promise<void> };
beforeAll(async () => {
  s3 = await startSeaweed({});
  configureS3({ endpoint: s3.endpoint, pathStyle: true, accessKeyId: '', secretAccessKey: '' });
});
afterAll(async () => {
  await s3?.stop();
});

async function write(logdir: string): Promise<string> {
  const w = new SummaryWriter(logdir);
  for (let step = 0; step < 5; step++) w.scalar('loss', 1 / (step + 1), step);
  await w.flush();
  w.scalar('loss', 0.125, 5);
  w.text('note', 'hello', 5);
  await w.close();
  return w.path;
}

/** (step, tag, simple_value or text) of every summary value, in file order. */
function summaries(bytes: Uint8Array): unknown[] {
  return parseEvents(bytes).events.flatMap(({ event }) =>
    (event.summary?.value ?? []).map((v) => [
      Number(event.step ?? 0),
      v.tag,
      v.simple_value ?? v.tensor?.string_val?.length,
    ]),
  );
}

async function objectBytes(location: string): Promise<Uint8Array> {
  const src = await resolveStore(location).open(location);
  return src.read(0, src.size);
}

describe('SummaryWriter on an object store', () => {
  it('writes to s3:// the same events as to a local logdir', async () => {
    const local = mkdtempSync(join(tmpdir(), 'tg-ev-'));
    const localPath = await write(local);
    const remote = `s3://${s3.bucket}/logs/run1`;
    const remotePath = await write(remote);
    expect(remotePath.startsWith(`${remote}/events.out.tfevents.`)).toBe(true);
    expect(await resolveStore(remote).list(remote)).toEqual([remotePath]);
    const got = summaries(await objectBytes(remotePath));
    expect(got).toEqual(summaries(new Uint8Array(readFileSync(localPath))));
    expect(got.length).toBe(7);
    expect(readdirSync(local).length).toBe(1);
  });

  it('writes to mem:// and reports an unknown scheme as an unwritable logdir', async () => {
    const path = await write('mem://logs/run');
    expect(summaries(await objectBytes(path)).length).toBe(7);
    expect(() => new SummaryWriter('gopher://x/run')).toThrow(/gopher/);
  });
});
