import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager, SaverError } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { fakeClock, tempDir } from './helpers.js';

const indexes = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.index'))
    .sort();

describe('CheckpointManager', () => {
  it('numbers checkpoints itself and continues after a restart', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [1], data: new Float32Array([1]) };
    const m1 = new CheckpointManager({ v }, dir, { maxToKeep: 2 });
    expect(await m1.save()).toBe(join(dir, 'ckpt-1'));
    expect(await m1.save()).toBe(join(dir, 'ckpt-2'));
    const m2 = new CheckpointManager({ v }, dir, { maxToKeep: 2 });
    expect(m2.latestCheckpoint).toBe(join(dir, 'ckpt-2'));
    expect(m2.checkpoints).toEqual([join(dir, 'ckpt-1'), join(dir, 'ckpt-2')]);
    expect(await m2.save()).toBe(join(dir, 'ckpt-3'));
    expect(indexes(dir)).toEqual(['ckpt-2.index', 'ckpt-3.index']);
  });

  it('saveIfDue: every S seconds of the clock', async () => {
    const dir = tempDir();
    const clock = fakeClock(100);
    const v = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const m = new CheckpointManager({ v }, dir, { maxToKeep: null, saveIntervalSecs: 30, clock: clock.fn });
    const saved: number[] = [];
    for (let step = 0; step < 20; step++) {
      clock.now = 100 + step * 7;
      if (await m.saveIfDue(step)) saved.push(step);
    }
    // t = 100 (first), 135 (>= 130), 170, 205, 240 ...
    expect(saved).toEqual([0, 5, 10, 15]);
    expect(indexes(dir)).toEqual(['ckpt-0.index', 'ckpt-10.index', 'ckpt-15.index', 'ckpt-5.index']);
  });

  it('saveIfDue: every K steps, never twice for one step', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const m = new CheckpointManager({ v }, dir, { maxToKeep: 3, saveIntervalSteps: 100 });
    const saved: number[] = [];
    for (const step of [0, 0, 50, 99, 100, 100, 150, 250, 260, 349, 350]) if (await m.saveIfDue(step)) saved.push(step);
    expect(saved).toEqual([0, 100, 250, 350]);
    expect(await m.saveIfDue(350)).toBeUndefined();
    expect(await m.saveIfDue(350, { force: true })).toBe(join(dir, 'ckpt-350'));
  });

  it('restoreOrInitialize restores the latest or runs init', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) };
    let inits = 0;
    expect(await new CheckpointManager({ v }, dir).restoreOrInitialize(() => inits++)).toBeUndefined();
    expect(inits).toBe(1);
    await new CheckpointManager({ v }, dir).save();
    const back = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
    const report = await new CheckpointManager({ v: back }, dir).restoreOrInitialize(() => inits++);
    expect(report?.prefix).toBe(join(dir, 'ckpt-1'));
    expect(Array.from(back.data)).toEqual([1, 2]);
    expect(inits).toBe(1);
  });

  it('keeps the best N by a metric plus the last N, remembered across restarts', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const opts = { maxToKeep: 2, keepBest: { count: 2, mode: 'max' as const } };
    const m1 = new CheckpointManager({ v }, dir, opts);
    for (const acc of [0.5, 0.9, 0.7]) await m1.save({ metric: acc });
    const m2 = new CheckpointManager({ v }, dir, opts);
    expect(m2.bestCheckpoints.map((b) => b.metric)).toEqual([0.9, 0.7]);
    for (const acc of [0.95, 0.1, 0.2]) await m2.save({ metric: acc });
    // last two: 5, 6; best two: 4 (0.95), 2 (0.9).
    expect(indexes(dir)).toEqual(['ckpt-2.index', 'ckpt-4.index', 'ckpt-5.index', 'ckpt-6.index']);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toMatch(
      /^model_checkpoint_path: "ckpt-6"\nall_model_checkpoint_paths: "ckpt-5"\nall_model_checkpoint_paths: "ckpt-6"\n/,
    );
  });

  it('rejects maxToKeep 0 as TensorFlow does; creates a missing directory on save, as TensorFlow does', async () => {
    const dir = tempDir();
    expect(() => new CheckpointManager({}, dir, { maxToKeep: 0 })).toThrow(SaverError);
    const m = new CheckpointManager(
      { v: { dtype: 'float32', shape: [1], data: new Float32Array([1.5]) } },
      join(dir, 'runs', 'a'),
    );
    const path = await m.save();
    expect(path).toBe(join(dir, 'runs', 'a', 'ckpt-1'));
    expect(indexes(join(dir, 'runs', 'a'))).toEqual(['ckpt-1.index']);
    // a path component that is a file cannot be a directory: NOT_WRITABLE naming the prefix
    writeFileSync(join(dir, 'file'), 'x');
    const blocked = new CheckpointManager({}, join(dir, 'file', 'sub'));
    await expect(blocked.save()).rejects.toMatchObject({
      code: 'NOT_WRITABLE',
      path: join(dir, 'file', 'sub', 'ckpt'),
    });
  });
});
