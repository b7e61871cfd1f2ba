import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SummaryWriter, scanRecords } from '@tensorgraft/events-writer';
import { maskedCrc32c } from '@tensorgraft/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'events');
const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tg-cli-events-'));
  dirs.push(d);
  return d;
}

async function logdir(): Promise<{ root: string; path: string }> {
  const root = temp();
  const w = new SummaryWriter(join(root, 'train'));
  w.scalar('loss', 0.5, 1, { wallTime: 100 });
  w.scalar('loss', Number.NaN, 2, { wallTime: 101 });
  w.histogram('w', [1, 2, 3], 3, { buckets: 2, wallTime: 102 });
  w.image('img', new Uint8Array(2 * 2 * 3), 4, { height: 2, width: 2, channels: 3, wallTime: 103 });
  w.text('note', 'hi', 5, { wallTime: 104 });
  w.graph({ node: [{ name: 'a', op: 'NoOp' }] }, { wallTime: 105 });
  await w.close();
  return { root, path: w.path };
}

describe('tensorgraft events', () => {
  it('prints every value of a log directory as one JSON document', async () => {
    const { root, path } = await logdir();
    const r = await runCli('events', root, '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.files).toEqual([{ run: 'train', path, events: 7 }]);
    const rows = doc.values.map((v: { run: string; tag: string; step: number; kind: string; value: unknown }) => [
      v.run,
      v.tag,
      v.step,
      v.kind,
      v.value,
    ]);
    expect(rows).toEqual([
      ['train', '', 0, 'file_version', 'brain.Event:2'],
      ['train', 'loss', 1, 'scalar', 0.5],
      ['train', 'loss', 2, 'scalar', 'NaN'],
      [
        'train',
        'w',
        3,
        'histogram',
        [
          [1, 2, 1],
          [2, 3, 2],
        ],
      ],
      ['train', 'img', 4, 'image', { width: 2, height: 2, images: 1, bytes: [expect.any(Number)] }],
      ['train', 'note', 5, 'text', 'hi'],
      ['train', '', 0, 'graph', { bytes: expect.any(Number), nodes: 1 }],
    ]);
    expect(doc.values[1].wall_time).toBe(100);
  });

  it('prints a table for people', async () => {
    const { root } = await logdir();
    const r = await runCli('events', root);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('run\ttag\tstep\twall_time\tkind\tvalue');
    expect(lines.at(-1)).toMatch(/^# run train: .*events\.out\.tfevents\..* \(7 events\)$/);
    expect(lines).toContain('train\tloss\t1\t100\tscalar\t0.5');
    expect(lines).toContain('train\tw\t3\t102\thistogram\t2 buckets, 3 values in [1, 3]');
    expect(lines).toContain('train\timg\t4\t103\timage\t1 image(s) 2x2');
  });

  it('reads TensorFlow event files', async () => {
    const r = await runCli('events', join(FIXTURES, 'tf1'), '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const scalars = doc.values.filter((v: { kind: string }) => v.kind === 'scalar');
    expect(scalars.map((v: { step: number; value: number }) => [v.step, v.value])).toEqual([
      [1, 0.5],
      [2, 0.25],
      [3, -1.5],
    ]);
    expect(doc.values.find((v: { kind: string }) => v.kind === 'session_log')).toMatchObject({
      step: 2,
      value: 'START',
    });
  });

  it('reports a torn tail (exit 1, or 0 with --allow-torn-tail), and a corrupt record with exit 1', async () => {
    const { path } = await logdir();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    const last = scanRecords(bytes).records.at(-1)!;
    const torn = await runCli('events', path, '--json');
    expect(torn.code).toBe(1);
    expect(torn.stderr).toContain(`TRUNCATED_RECORD: damaged tail at offset ${last.offset} of ${path}`);
    expect(JSON.parse(torn.stdout).error).toMatchObject({ code: 'TRUNCATED_RECORD', offset: last.offset, path });
    const allowed = await runCli('events', path, '--json', '--allow-torn-tail');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout).files[0]).toMatchObject({ events: 6, torn: { offset: last.offset } });
    const bad = Uint8Array.from(bytes);
    bad[last.offset + 14]! ^= 0xff;
    writeFileSync(path, bad);
    const corrupt = await runCli('events', path);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain('CORRUPT_RECORD');
    expect(corrupt.stderr).toContain(`offset ${last.offset}`);
    // --json still prints one document: the values before the damage, then the error.
    const json = await runCli('events', path, '--json');
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.values.length).toBe(6);
    expect(doc.error).toMatchObject({ code: 'CORRUPT_RECORD', offset: last.offset, path });
  });

  it('a checksummed record length far past the end is a damaged tail: named, exit 1, values before it printed', async () => {
    const { path } = await logdir();
    const bytes = readFileSync(path);
    const last = scanRecords(bytes).records.at(-1)!;
    // The last record's length set to 2^40 with a matching length checksum.
    const bad = Uint8Array.from(bytes);
    new DataView(bad.buffer).setBigUint64(last.offset, 1n << 40n, true);
    new DataView(bad.buffer).setUint32(last.offset + 8, maskedCrc32c(bad.subarray(last.offset, last.offset + 8)), true);
    writeFileSync(path, bad);
    const r = await runCli('events', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `damaged tail at offset ${last.offset} of ${path}: the record there needs ${2 ** 40 + 16} bytes`,
    );
    expect(r.stdout.split('\n').filter((l) => l.startsWith('.\t')).length).toBeGreaterThan(0);
    expect((await runCli('events', path, '--allow-torn-tail')).code).toBe(0);
  });

  it('exits 1 for a missing path or a directory without event files, 2 for bad usage', async () => {
    const root = temp();
    expect((await runCli('events', join(root, 'missing'))).code).toBe(1);
    const empty = await runCli('events', root);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('NOT_FOUND');
    expect((await runCli('events')).code).toBe(2);
    expect((await runCli('events', root, root)).code).toBe(2);
    expect((await runCli('events', root, '--frobnicate')).code).toBe(2);
  });
});
