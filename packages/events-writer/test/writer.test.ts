import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import {
  EventsError,
  eventValues,
  findEventFiles,
  iterateEvents,
  readEventFile,
  SummaryWriter,
  scanRecords,
} from '@tensorgraft/events-writer';
import { tensorflow } from '@tensorgraft/proto';
import { decode as decodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

function valuesOf(path: string) {
  const plugins = new Map<string, string>();
  return readEventFile(path).events.flatMap((e) => eventValues(e.event, plugins));
}

describe('SummaryWriter', () => {
  it('names its file events.out.tfevents.<10-digit seconds>.<host>.<pid>.<counter> and starts with brain.Event:2', async () => {
    const dir = join(tempDir(), 'a', 'b');
    const before = Math.floor(Date.now() / 1000);
    const w = new SummaryWriter(dir);
    await w.close();
    const name = basename(w.path);
    const m = /^events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)$/.exec(name);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(before);
    expect(m![2]).toBe(hostname());
    expect(Number(m![3])).toBe(process.pid);
    const events = readEventFile(w.path).events;
    expect(events.length).toBe(1);
    expect(events[0]!.event.file_version).toBe('brain.Event:2');
    expect(events[0]!.event.wall_time).toBeGreaterThanOrEqual(before);
  });

  it('keeps two writers in one directory in the same second apart', async () => {
    const dir = tempDir();
    const a = new SummaryWriter(dir);
    const b = new SummaryWriter(dir);
    a.scalar('x', 1, 0);
    b.scalar('x', 2, 0);
    await Promise.all([a.close(), b.close()]);
    expect(a.path).not.toBe(b.path);
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(2);
    const secs = files.map((f) => f.split('.')[3]);
    expect(secs[0]).toBe(secs[1]);
    expect(valuesOf(a.path).find((v) => v.kind === 'scalar')!.value).toBe(1);
    expect(valuesOf(b.path).find((v) => v.kind === 'scalar')!.value).toBe(2);
  });

  it('also keeps writers of two processes started in the same second apart', () => {
    const dir = tempDir();
    const script = `import { SummaryWriter } from '@tensorgraft/events-writer';
      const w = new SummaryWriter(process.argv[1]); w.scalar('p', process.pid, 0); await w.close();`;
    const run = () => spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { cwd: process.cwd() });
    const [r1, r2] = [run(), run()];
    expect(r1.status).toBe(0);
    expect(r2.status).toBe(0);
    expect(readdirSync(dir).length).toBe(2);
  });

  it('writes every kind, decoded back with equal values', async () => {
    const dir = tempDir();
    const w = new SummaryWriter(dir);
    w.scalar('loss', 0.5, 1, { wallTime: 1000.25 });
    w.scalar('loss', Number.NaN, 2);
    w.scalar('loss', Number.POSITIVE_INFINITY, 3);
    w.scalar('loss', Number.NEGATIVE_INFINITY, 4);
    w.scalar('old', 0.125, 5, { legacy: true });
    w.scalar('big_step', 1, 2n ** 40n);
    w.scalar('huge_step', 2, 2n ** 62n + 3n);
    w.scalar('negative_step', 3, -5n);
    w.histogram('weights', [1, 2, 2, 3, 4], 1, { buckets: 2 });
    w.histogram('old_hist', [1, 2, 2, 3, 4], 1, { legacy: true });
    const pixels = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i / 11);
    w.image('img', pixels, 1, { height: 2, width: 2, channels: 3 });
    w.text('note', '# title', 1);
    w.text('table', ['a', 'b'], 1);
    const graph = {
      node: [
        { name: 'x', op: 'Placeholder' },
        { name: 'y', op: 'Identity', input: ['x'] },
      ],
    };
    w.graph(graph);
    w.hparams({ lr: 0.1, opt: 'sgd', bn: false }, { 'hp/acc': 0.75 }, { step: 7, groupName: 'g1' });
    await w.close();
    const values = valuesOf(w.path);
    const scalars = values.filter((v) => v.kind === 'scalar').map((v) => [v.tag, v.step, v.value]);
    expect(scalars).toEqual([
      ['loss', 1, 0.5],
      ['loss', 2, Number.NaN],
      ['loss', 3, Number.POSITIVE_INFINITY],
      ['loss', 4, Number.NEGATIVE_INFINITY],
      ['old', 5, 0.125],
      ['big_step', 2 ** 40, 1],
      ['huge_step', 2n ** 62n + 3n, 2],
      ['negative_step', -5, 3],
      ['hp/acc', 7, 0.75],
    ]);
    expect(values.find((v) => v.tag === 'loss')!.wallTime).toBe(1000.25);
    expect(values.find((v) => v.tag === 'weights')!.value).toEqual([
      { left: 1, right: 2.5, count: 3 },
      { left: 2.5, right: 4, count: 2 },
    ]);
    const old = values.find((v) => v.tag === 'old_hist')!.value as { count: number; left: number; right: number }[];
    expect(old.reduce((a, b) => a + b.count, 0)).toBe(5);
    expect([old[0]!.left, old[old.length - 1]!.right]).toEqual([1, 4]);
    const img = values.find((v) => v.kind === 'image')!.value as {
      width: number;
      height: number;
      images: Uint8Array[];
    };
    expect([img.width, img.height, img.images.length]).toEqual([2, 2, 1]);
    expect(Array.from(decodePng(img.images[0]!).data)).toEqual(Array.from(pixels, (x) => Math.trunc(x * 255.5)));
    expect(values.find((v) => v.tag === 'note')!.value).toBe('# title');
    expect(values.find((v) => v.tag === 'table')!.value).toEqual(['a', 'b']);
    const g = tensorflow.GraphDef.decode(values.find((v) => v.kind === 'graph')!.value as Uint8Array);
    expect(g.node.map((n) => [n.name, n.op, n.input])).toEqual([
      ['x', 'Placeholder', []],
      ['y', 'Identity', ['x']],
    ]);
    expect(values.find((v) => v.tag === '_hparams_/experiment')!.value).toEqual({
      experiment: { hparams: ['bn', 'lr', 'opt'], metrics: ['hp/acc'] },
    });
    expect(values.find((v) => v.tag === '_hparams_/session_start_info')!.value).toMatchObject({
      sessionStart: { hparams: { lr: 0.1, opt: 'sgd', bn: false }, groupName: 'g1' },
    });
  });

  it("writes SessionLog START at the resume step (twice: the plugin loader ignores a run's first START)", async () => {
    const dir = tempDir();
    const w = new SummaryWriter(dir, { resumeFromStep: 42 });
    w.scalar('x', 1, 42);
    await w.close();
    const events = readEventFile(w.path).events.map((e) => e.event);
    expect(events[0]!.file_version).toBe('brain.Event:2');
    for (const e of events.slice(1, 3)) {
      expect(e.session_log?.status).toBe(tensorflow.SessionLog.SessionStatus.START);
      expect(Number(e.step)).toBe(42);
    }
    expect(events[3]!.summary?.value?.[0]?.tag).toBe('x');
  });

  it('appends in the background every flushMillis without flush() or close()', async () => {
    const dir = tempDir();
    const w = new SummaryWriter(dir, { flushMillis: 20 });
    for (let i = 0; i < 10; i++) w.scalar('x', i, i);
    const t0 = Date.now();
    while (readEventFile(w.path).events.length < 11 && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 10));
    expect(readEventFile(w.path).events.length).toBe(11);
    await w.close();
  });

  it('starts a write when maxQueue values wait, and keeps memory bounded in a tight loop', async () => {
    const dir = tempDir();
    const w = new SummaryWriter(dir, { maxQueue: 100, flushMillis: 60_000 });
    for (let i = 0; i < 1050; i++) w.scalar('x', i, i);
    // No yield yet: everything but the last partial queue is already in the file (synchronous path).
    const mid = readEventFile(w.path);
    expect(mid.torn).toBeUndefined();
    expect(mid.events.length).toBeGreaterThanOrEqual(1000);
    await w.flush();
    const all = valuesOf(w.path).filter((v) => v.kind === 'scalar');
    expect(all.length).toBe(1050);
    expect(all.map((v) => v.value)).toEqual(Array.from({ length: 1050 }, (_, i) => i));
    await w.close();
  });

  it('loses nothing when the process exits without close()', () => {
    const dir = tempDir();
    const script = `import { SummaryWriter } from '@tensorgraft/events-writer';
      const w = new SummaryWriter(process.argv[1]);
      for (let i = 0; i < 10000; i++) w.scalar('loss', i / 2, i);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { cwd: process.cwd() });
    expect(r.status, r.stderr.toString()).toBe(0);
    const [file] = findEventFiles(dir);
    const contents = readEventFile(file!.path);
    expect(contents.torn).toBeUndefined();
    const scalars = contents.events.flatMap((e) => eventValues(e.event)).filter((v) => v.kind === 'scalar');
    expect(scalars.length).toBe(10000);
    expect(scalars.every((v, i) => v.step === i && v.value === i / 2)).toBe(true);
  });

  it('shows a reader only complete records and torn tails while another process writes', async () => {
    const dir = tempDir();
    const script = `import { SummaryWriter } from '@tensorgraft/events-writer';
      const w = new SummaryWriter(process.argv[1], { maxQueue: 64, flushMillis: 5 });
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 2000; i++) w.scalar('x', i, round * 2000 + i);
        await new Promise((r) => setTimeout(r, 2));
      }
      await w.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { cwd: process.cwd() });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    let reads = 0;
    let maxEvents = 0;
    while (!done) {
      const [file] = readdirSync(dir);
      if (file) {
        const scan = scanRecords(readFileSync(join(dir, file)));
        expect(scan.corrupt).toBeUndefined();
        maxEvents = Math.max(maxEvents, scan.records.length);
        reads++;
      }
      await new Promise((r) => setTimeout(r, 3));
    }
    expect(await exited).toBe(0);
    expect(reads).toBeGreaterThan(5);
    const [file] = findEventFiles(dir);
    expect(readEventFile(file!.path).events.length).toBe(1 + 80_000);
    expect(maxEvents).toBeLessThanOrEqual(1 + 80_000);
  });

  it('loses nothing on process.exit() with a write in flight', () => {
    const dir = tempDir();
    const script = `import { SummaryWriter } from '@tensorgraft/events-writer';
      const w = new SummaryWriter(process.argv[1], { maxQueue: 50 });
      for (let i = 0; i < 5000; i++) w.image('img', new Uint8Array(16 * 16 * 3).fill(i & 255), i, { height: 16, width: 16, channels: 3 });
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { cwd: process.cwd() });
    expect(r.status, r.stderr.toString()).toBe(0);
    const [file] = findEventFiles(dir);
    const images = valuesOf(file!.path).filter((v) => v.kind === 'image');
    expect(images.length).toBe(5000);
    expect(images.map((v) => v.step)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe('SummaryWriter errors', () => {
  it('refuses tags TensorBoard would reject, at the call', () => {
    const w = new SummaryWriter(tempDir());
    const bad = ['', 'a\u0000b', 'line\nbreak', 'x\ud800', 'x'.repeat(5000), '_hparams_/experiment'];
    for (const tag of bad)
      expect(() => w.scalar(tag, 1, 0), JSON.stringify(tag.slice(0, 20))).toThrow(
        expect.objectContaining({ code: 'INVALID_TAG' }),
      );
    expect(() => w.scalar(7 as unknown as string, 1, 0)).toThrow(expect.objectContaining({ code: 'INVALID_TAG' }));
    return w.close();
  });

  it('refuses a tag reused for another kind of summary', async () => {
    const w = new SummaryWriter(tempDir());
    w.scalar('loss', 1, 0);
    expect(() => w.histogram('loss', [1], 0)).toThrow(
      expect.objectContaining({
        code: 'INVALID_TAG',
        tag: 'loss',
        message: expect.stringContaining('already holds scalars'),
      }),
    );
    expect(() => w.hparams({ a: 1 }, { loss: 1 })).not.toThrow();
    expect(() => w.text('ok', 'x', 0)).not.toThrow();
    expect(() => w.hparams({ a: 1 }, { ok: 1 })).toThrow(/already holds text/);
    // A refused value does not claim its tag.
    expect(() => w.histogram('fresh', [Number.NaN], 0)).toThrow(EventsError);
    expect(() => w.text('fresh', 'now text', 0)).not.toThrow();
    await w.close();
  });

  it('refuses values of the wrong type or shape, bad steps and bad wall times', async () => {
    const w = new SummaryWriter(tempDir());
    const invalid = (fn: () => void) => expect(fn).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    invalid(() => w.scalar('s', '1' as unknown as number, 0));
    invalid(() => w.scalar('s', 1, 1.5));
    invalid(() => w.scalar('s', 1, 2 ** 60));
    invalid(() => w.scalar('s', 1, 2n ** 63n));
    invalid(() => w.scalar('s', 1, '3' as unknown as number));
    invalid(() => w.scalar('s', 1, 0, { wallTime: Number.NaN }));
    invalid(() => w.histogram('h', [[1]] as unknown as number[], 0));
    invalid(() => w.image('i', new Uint8Array(10), 0, { height: 2, width: 2, channels: 3 }));
    invalid(() => w.image('i', new Uint8Array(12), 0, undefined as unknown as { height: 1; width: 1; channels: 1 }));
    invalid(() => w.text('t', 5 as unknown as string, 0));
    invalid(() => w.graph(new Uint8Array([0xff, 0xff, 0xff])));
    invalid(() => w.graph('g' as unknown as Uint8Array));
    invalid(() => w.hparams({ a: [1] as unknown as number }, {}));
    invalid(() => w.hparams({}, {}));
    invalid(() => w.hparams({ a: 1 }, { m: 'x' as unknown as number }));
    await w.close();
    // Nothing refused reached the file.
    expect(valuesOf(w.path).map((v) => v.kind)).toEqual(['file_version']);
  });

  it('refuses values from the moment close() starts, and writes everything before it', async () => {
    const w = new SummaryWriter(tempDir());
    w.scalar('x', 1, 0);
    const closing = w.close();
    expect(w.closed).toBe(true);
    expect(() => w.scalar('x', 2, 1)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    const again = w.close();
    await Promise.all([closing, again]);
    expect(
      valuesOf(w.path)
        .filter((v) => v.kind === 'scalar')
        .map((v) => v.value),
    ).toEqual([1]);
  });

  it('throws CLOSED after close(), and close() is idempotent', async () => {
    const w = new SummaryWriter(tempDir());
    await w.close();
    await w.close();
    expect(w.closed).toBe(true);
    expect(() => w.scalar('x', 1, 0)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => w.graph({})).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => w.hparams({ a: 1 }, {})).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('refuses an unwritable log directory at construction', () => {
    const dir = tempDir();
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    expect(() => new SummaryWriter(join(file, 'logs'))).toThrow(
      expect.objectContaining({ code: 'UNWRITABLE_LOGDIR', path: join(file, 'logs') }),
    );
    expect(() => new SummaryWriter('')).toThrow(expect.objectContaining({ code: 'UNWRITABLE_LOGDIR' }));
    expect(() => new SummaryWriter(dir, { flushMillis: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => new SummaryWriter(dir, { maxQueue: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new SummaryWriter(dir, { filenameSuffix: '/x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(readdirSync(dir)).toEqual(['plain-file']);
  });

  it('reports a removed log directory on the next call and on close()', async () => {
    const dir = join(tempDir(), 'run');
    const w = new SummaryWriter(dir, { flushMillis: 60_000 });
    w.scalar('x', 1, 0);
    await w.flush();
    rmSync(dir, { recursive: true, force: true });
    w.scalar('x', 2, 1);
    await expect(w.flush()).rejects.toMatchObject({ code: 'WRITE_FAILED', path: w.path });
    expect(() => w.scalar('x', 3, 2)).toThrow(expect.objectContaining({ code: 'WRITE_FAILED' }));
    await expect(w.close()).rejects.toMatchObject({ code: 'WRITE_FAILED' });
    expect(existsSync(dir)).toBe(false);
  });

  it('reports a write error (file size limit: EFBIG) on the next call and on close()', () => {
    const dir = tempDir();
    // ulimit -f is in 1024-byte blocks; Node ignores SIGXFSZ, so the write fails with EFBIG.
    const script = `import { SummaryWriter } from '@tensorgraft/events-writer';
      const w = new SummaryWriter(process.argv[1], { maxQueue: 10 });
      const out = {};
      try { for (let i = 0; i < 100000; i++) w.scalar('x', i, i); out.loop = 'no error'; }
      catch (e) { out.loop = e.code; out.cause = e.cause && e.cause.code; }
      try { await w.close(); out.close = 'no error'; } catch (e) { out.close = e.code; }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -f 64; exec "${process.execPath}" --input-type=module -e "$0" "$1"`, script, dir],
      {
        cwd: process.cwd(),
      },
    );
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toEqual({ loop: 'WRITE_FAILED', cause: 'EFBIG', close: 'WRITE_FAILED' });
    const [file] = findEventFiles(dir);
    expect(statSync(file!.path).size).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('event reader', () => {
  it('iterates a log directory run by run, and a single file', async () => {
    const root = tempDir();
    for (const run of ['train', 'eval/a']) {
      const w = new SummaryWriter(join(root, run));
      w.scalar('x', run.length, 1);
      await w.close();
    }
    writeFileSync(join(root, 'notes.txt'), 'not an event file');
    const files = findEventFiles(root);
    expect(files.map((f) => f.run)).toEqual(['eval/a', 'train']);
    const seen = [...iterateEvents(root)].flatMap((e) => eventValues(e.event).map((v) => [e.run, v.kind, v.value]));
    expect(seen).toEqual([
      ['eval/a', 'file_version', 'brain.Event:2'],
      ['eval/a', 'scalar', 6],
      ['train', 'file_version', 'brain.Event:2'],
      ['train', 'scalar', 5],
    ]);
    expect([...iterateEvents(files[1]!.path)].length).toBe(2);
    expect(() => [...iterateEvents(join(root, 'missing'))]).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const empty = join(root, 'eval');
    rmSync(join(empty, 'a'), { recursive: true });
    expect(() => [...iterateEvents(empty)]).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('reports the torn tail of a file still being written', async () => {
    const w = new SummaryWriter(tempDir());
    w.scalar('x', 1, 0);
    await w.close();
    const bytes = readFileSync(w.path);
    writeFileSync(w.path, bytes.subarray(0, bytes.length - 5));
    const r = readEventFile(w.path);
    expect(r.events.length).toBe(1);
    const second = scanRecords(bytes).records[1]!;
    expect(r.torn).toEqual({
      offset: second.offset,
      available: bytes.length - 5 - second.offset,
      needed: second.data.length + 16,
    });
  });
});
