import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '@tensorgraft/bundle-io';
import { halfBitsToFloat32 } from '@tensorgraft/proto';
import { latestCheckpoint, Saver, SaverError } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fakeClock, type Json, readJson, tempDir } from './helpers.js';

const TF1 = readJson(join(FIXTURES, 'saver', 'tf1.json'));
const TF1_PREFIX = join(FIXTURES, 'saver', TF1.prefix);

const ARRAYS: Record<string, (v: Json[]) => Tensor['data']> = {
  float32: (v) => Float32Array.from(v),
  int64: (v) => BigInt64Array.from(v.map(BigInt)),
  bool: (v) => Uint8Array.from(v.map(Number)),
};

/** The fixture's tensors as bundle-io Tensors (half from TensorFlow's float values, via the bits it stored). */
function tf1Tensors(): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries<Json>(TF1.tensors)) {
    out[name] = {
      dtype: t.dtype,
      shape: t.shape,
      data: t.dtype === 'float16' ? new Uint16Array(t.values.length) : ARRAYS[t.dtype]!(t.values),
    };
  }
  return out;
}

function empty(t: Tensor): Tensor {
  const d = t.data as Float32Array;
  return { ...t, data: new (d.constructor as Float32ArrayConstructor)(d.length) };
}

describe('restoring what tf.compat.v1.train.Saver saved', () => {
  it('restores every variable with TensorFlow values', async () => {
    const vars = Object.fromEntries(Object.entries(tf1Tensors()).map(([k, t]) => [k, empty(t)]));
    const report = await new Saver(vars).restore(TF1_PREFIX);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    for (const [name, t] of Object.entries<Json>(TF1.tensors)) {
      const got = vars[name]!.data;
      if (t.dtype === 'float16') expect(Array.from(got as Uint16Array, halfBitsToFloat32)).toEqual(t.values);
      else if (t.dtype === 'int64') expect(Array.from(got as BigInt64Array, Number)).toEqual(t.values);
      else if (t.dtype === 'bool') expect(Array.from(got as Uint8Array, Boolean)).toEqual(t.values);
      else expect(Array.from(got as Float32Array)).toEqual(t.values);
    }
  });

  it('saving the same values writes the same bytes as TensorFlow', async () => {
    const tensors = tf1Tensors();
    const restored = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, empty(t)]));
    await new Saver(restored).restore(TF1_PREFIX);
    const dir = tempDir();
    const path = await new Saver(restored).save(join(dir, 'model.ckpt'), { globalStep: 7 });
    for (const ext of ['.index', '.data-00000-of-00001']) {
      expect(Buffer.compare(readFileSync(path + ext), readFileSync(TF1_PREFIX + ext))).toBe(0);
    }
  });
});

describe('restore maps', () => {
  it("by scope prefix, as init_from_checkpoint's assignment map ('vgg_16/': 'base/')", async () => {
    const t = tf1Tensors();
    const vars = {
      'base/conv1/weights': empty(t['vgg_16/conv1/weights']!),
      'base/fc8/weights': empty(t['vgg_16/fc8/weights']!),
      'head/w': { dtype: 'float32', shape: [4, 3], data: new Float32Array(12).fill(7) },
    };
    const report = await new Saver(vars).restore(TF1_PREFIX, { map: { 'vgg_16/': 'base/' } });
    expect(report.assignments).toEqual([
      { variable: 'base/conv1/weights', key: 'vgg_16/conv1/weights' },
      { variable: 'base/fc8/weights', key: 'vgg_16/fc8/weights' },
    ]);
    expect(report.skipped).toEqual(['head/w']);
    expect(Array.from(vars['base/fc8/weights'].data as Float32Array)).toEqual(TF1.tensors['vgg_16/fc8/weights'].values);
    expect(Array.from(vars['head/w'].data)).toEqual(new Array(12).fill(7));
  });

  it('one checkpoint tensor into several variables, and a function map', async () => {
    const t = tf1Tensors();
    const vars = {
      a: empty(t['vgg_16/fc8/weights']!),
      b: empty(t['vgg_16/fc8/weights']!),
      c: empty(t['vgg_16/conv1/biases']!),
    };
    await new Saver({ a: vars.a, b: vars.b }).restore(TF1_PREFIX, { map: { 'vgg_16/fc8/weights': ['a', 'b'] } });
    expect(Array.from(vars.a.data as Float32Array)).toEqual(TF1.tensors['vgg_16/fc8/weights'].values);
    expect(Array.from(vars.b.data as Float32Array)).toEqual(TF1.tensors['vgg_16/fc8/weights'].values);
    await new Saver({ c: vars.c }).restore(TF1_PREFIX, { map: (v) => (v === 'c' ? 'vgg_16/conv1/biases' : undefined) });
    expect(Array.from(vars.c.data as Float32Array)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('strict by default: a missing variable, a shape or a dtype mismatch is a typed error and nothing is assigned', async () => {
    const keep = { dtype: 'float32', shape: [4], data: new Float32Array(4).fill(3) };
    const missing = new Saver({
      'vgg_16/conv1/biases': keep,
      'nope/w': { dtype: 'float32', shape: [1], data: new Float32Array(1) },
    });
    await expect(missing.restore(TF1_PREFIX)).rejects.toMatchObject({
      code: 'MISSING_VARIABLE',
      variable: 'nope/w',
      path: TF1_PREFIX,
    });
    expect(Array.from(keep.data)).toEqual([3, 3, 3, 3]);
    const shape = new Saver({ 'vgg_16/conv1/biases': { dtype: 'float32', shape: [5], data: new Float32Array(5) } });
    await expect(shape.restore(TF1_PREFIX)).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
      variable: 'vgg_16/conv1/biases',
    });
    const dtype = new Saver({ counts: { dtype: 'int32', shape: [3], data: new Int32Array(3) } });
    await expect(dtype.restore(TF1_PREFIX)).rejects.toMatchObject({ code: 'DTYPE_MISMATCH', variable: 'counts' });
  });

  it('lenient: restores what fits and reports missing, unexpected and mismatched keys', async () => {
    const good = { dtype: 'float32', shape: [4], data: new Float32Array(4) };
    const vars = {
      'vgg_16/conv1/biases': good,
      'vgg_16/fc8/weights': { dtype: 'float32', shape: [3, 4], data: new Float32Array(12) },
      counts: { dtype: 'int32', shape: [3], data: new Int32Array(3) },
      extra: { dtype: 'float32', shape: [], data: new Float32Array(1) },
    };
    const r = await new Saver(vars).restore(TF1_PREFIX, { strict: false });
    expect(r.assignments).toEqual([{ variable: 'vgg_16/conv1/biases', key: 'vgg_16/conv1/biases' }]);
    expect(r.missing).toEqual([{ variable: 'extra', key: 'extra' }]);
    expect(r.shapeMismatch).toEqual([
      { variable: 'vgg_16/fc8/weights', key: 'vgg_16/fc8/weights', expected: '[3,4]', actual: '[4,3]' },
    ]);
    expect(r.dtypeMismatch).toEqual([{ variable: 'counts', key: 'counts', expected: 'int32', actual: 'int64' }]);
    expect(r.unexpected.sort()).toEqual(['global_step', 'half', 'mask', 'vgg_16/conv1/weights']);
    expect(Array.from(good.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('restores a subset by name', async () => {
    const a = { dtype: 'float32', shape: [4], data: new Float32Array(4) };
    const b = { dtype: 'float32', shape: [1], data: new Float32Array(1) };
    const r = await new Saver({ 'vgg_16/conv1/biases': a, b }).restore(TF1_PREFIX, {
      variables: ['vgg_16/conv1/biases'],
    });
    expect(r.assignments.length).toBe(1);
    await expect(new Saver({ a }).restore(TF1_PREFIX, { variables: ['zz'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      variable: 'zz',
    });
  });
});

describe('saving', () => {
  it('names, padding and the state file; a moved directory still restores (relative paths)', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) };
    const saver = new Saver({ v }, { padStepNumber: true });
    const path = await saver.save(join(dir, 'model.ckpt'), { globalStep: 42 });
    expect(path).toBe(join(dir, 'model.ckpt-00000042'));
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(
      'model_checkpoint_path: "model.ckpt-00000042"\nall_model_checkpoint_paths: "model.ckpt-00000042"\n',
    );
    const moved = tempDir();
    for (const f of readdirSync(dir)) writeFileSync(join(moved, f), readFileSync(join(dir, f)));
    const back = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
    await new Saver({ v: back }).restore(latestCheckpoint(moved)!);
    expect(Array.from(back.data)).toEqual([1, 2]);
  });

  it('a directory that does not exist: NOT_WRITABLE naming the prefix, nothing written', async () => {
    const dir = tempDir();
    const prefix = join(dir, 'missing', 'model.ckpt');
    const saver = new Saver({ v: { dtype: 'float32', shape: [], data: new Float32Array(1) } });
    await expect(saver.save(prefix, { globalStep: 1 })).rejects.toMatchObject({ code: 'NOT_WRITABLE', path: prefix });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a bad value: typed error naming the variable, no checkpoint or temp file left', async () => {
    const dir = tempDir();
    const saver = new Saver({
      a: { dtype: 'float32', shape: [2], data: new Float32Array(2) },
      b: { dtype: 'float32', shape: [3], data: new Float32Array(2) },
    });
    await expect(saver.save(join(dir, 'm'), { globalStep: 1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      variable: 'b',
    });
    expect(readdirSync(dir)).toEqual([]);
    expect(latestCheckpoint(dir)).toBeUndefined();
  });

  it('durable saves (fsync) restore like any other', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 3]) };
    const path = await new Saver({ v }, { durable: true }).save(join(dir, 'm'), {
      globalStep: 2,
      metaGraph: new Uint8Array([1]),
    });
    const back = { dtype: 'float32', shape: [3], data: new Float32Array(3) };
    await new Saver({ v: back }).restore(latestCheckpoint(dir)!);
    expect(path).toBe(join(dir, 'm-2'));
    expect(Array.from(back.data)).toEqual([1, 2, 3]);
  });

  it('no checkpoint at a prefix: NOT_FOUND', async () => {
    const dir = tempDir();
    await expect(new Saver({}).restore(join(dir, 'nothing'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      path: join(dir, 'nothing'),
    });
  });

  it('maxToKeep must be a non-negative integer; latestFilename must not collide', async () => {
    expect(() => new Saver({}, { maxToKeep: -1 })).toThrow(SaverError);
    const dir = tempDir();
    await expect(new Saver({}).save(join(dir, 'checkpoint'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a restarted program picks up the checkpoints already in the directory', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const first = new Saver({ v }, { maxToKeep: 2 });
    for (const s of [1, 2, 3]) await first.save(join(dir, 'm'), { globalStep: s });
    const second = new Saver({ v }, { maxToKeep: 2 });
    await second.save(join(dir, 'm'), { globalStep: 4 });
    await second.save(join(dir, 'm'), { globalStep: 5 });
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.index'))
        .sort(),
    ).toEqual(['m-4.index', 'm-5.index']);
    expect(second.lastCheckpoints).toEqual([join(dir, 'm-4'), join(dir, 'm-5')]);
  });

  it('keeps the best N by a metric besides the last N', async () => {
    const dir = tempDir();
    const clock = fakeClock(1000);
    const v = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const saver = new Saver({ v }, { maxToKeep: 2, keepBest: { count: 2, mode: 'min' }, clock: clock.fn });
    const losses = [5, 1, 4, 3, 0.5, 6, 7];
    for (const [i, loss] of losses.entries()) {
      clock.now += 60;
      await saver.save(join(dir, 'm'), { globalStep: i, metric: loss });
    }
    // last two: 5, 6; best two: 4 (0.5) and 1 (1).
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.index'))
        .sort(),
    ).toEqual(['m-1.index', 'm-4.index', 'm-5.index', 'm-6.index']);
    expect(saver.bestCheckpoints.map((b) => b.metric)).toEqual([0.5, 1]);
    expect(existsSync(join(dir, 'm-0.data-00000-of-00001'))).toBe(false);
  });
});

describe('other checkpoint kinds', () => {
  it('restores a V1 checkpoint (partitioned variable assembled) and a directory argument', async () => {
    const v1 = readJson(join(FIXTURES, 'checkpoints', 'v1', 'expected.json'));
    const emb = v1.tensors.embedding;
    const kernel = v1.tensors['dense/kernel'];
    const vars = {
      embedding: { dtype: 'float32', shape: emb.shape, data: new Float32Array(emb.values.length) },
      'dense/kernel': { dtype: 'float32', shape: kernel.shape, data: new Float32Array(kernel.values.length) },
    };
    const report = await new Saver(vars).restore(join(FIXTURES, 'checkpoints', 'v1', v1.prefix));
    expect(report.missing).toEqual([]);
    expect(Array.from(vars.embedding.data)).toEqual(emb.values);
    expect(Array.from(vars['dense/kernel'].data)).toEqual(kernel.values);

    const dir = tempDir();
    const v = { dtype: 'float32', shape: [1], data: new Float32Array([4]) };
    await new Saver({ v }).save(join(dir, 'm'), { globalStep: 1 });
    const back = { dtype: 'float32', shape: [1], data: new Float32Array(1) };
    expect((await new Saver({ v: back }).restore(dir)).prefix).toBe(join(dir, 'm-1'));
    expect(back.data[0]).toBe(4);
  });
});

describe('temporary files of killed saves', () => {
  it('a later save removes its prefix’s stale temporary files and nothing else', async () => {
    const dir = tempDir();
    const stale = [
      'model.ckpt-3.data-00000-of-00001.tempstate1234567',
      'model.ckpt-3.index.tempstate99',
      'model.ckpt-3.meta.tmp0123456789abcdef0123456789abcdef',
      'checkpoint.tmpffffffffffffffffffffffffffffffff',
    ];
    const kept = [
      'other.ckpt-3.index.tempstate5',
      'model.ckpt2-3.index.tempstate7',
      'model.ckpt-3.notes.tempstate1',
      'keep.txt',
    ];
    for (const f of [...stale, ...kept]) writeFileSync(join(dir, f), 'x');
    mkdirSync(join(dir, 'model.ckpt-3_temp'));
    writeFileSync(join(dir, 'model.ckpt-3_temp', 'part-00000-of-00002.index'), 'x');
    mkdirSync(join(dir, 'other_temp'));
    kept.push('other_temp');
    await new Promise((r) => setTimeout(r, 10));
    await new Saver({ v: { dtype: 'float32', shape: [], data: new Float32Array(1) } }).save(join(dir, 'model.ckpt'), {
      globalStep: 4,
    });
    expect(readdirSync(dir).sort()).toEqual(
      ['checkpoint', 'model.ckpt-4.data-00000-of-00001', 'model.ckpt-4.index', ...kept].sort(),
    );
  });
});

describe('keep best N across restarts', () => {
  it('a new Saver in the same directory knows the best checkpoints of the last one', async () => {
    const dir = tempDir();
    const v = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const opts = { maxToKeep: 1, keepBest: { count: 1, mode: 'min' as const } };
    const first = new Saver({ v }, opts);
    for (const [i, loss] of [3, 1, 2].entries()) await first.save(join(dir, 'm'), { globalStep: i, metric: loss });
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.best.json'), 'utf8'))).toEqual({
      mode: 'min',
      best: [{ path: 'm-1', metric: 1 }],
    });
    const second = new Saver({ v }, opts);
    await second.save(join(dir, 'm'), { globalStep: 3, metric: 0.5 });
    // m-1 (the old best) was replaced by m-3 and deleted; m-2 left the last-1 window.
    expect(readdirSync(dir).filter((f) => f.endsWith('.index'))).toEqual(['m-3.index']);
    expect(second.bestCheckpoints).toEqual([{ path: join(dir, 'm-3'), metric: 0.5 }]);
  });
});

describe('sharded saves', () => {
  it('one data file per device, byte-identical to tf.compat.v1.train.Saver(sharded=True) on two CPUs', async () => {
    const exp = readJson(join(FIXTURES, 'saver', 'sharded.json'));
    const tfPrefix = join(FIXTURES, 'saver', exp.prefix);
    const vars: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries<Json>(exp.tensors)) {
      vars[name] = { dtype: t.dtype, shape: t.shape, data: ARRAYS[t.dtype]!(t.values) };
    }
    const dir = tempDir();
    const saver = new Saver(vars, { sharded: true, devices: exp.devices });
    const path = await saver.save(join(dir, 'model.ckpt'), { globalStep: 5 });
    expect(readdirSync(dir).sort()).toEqual(['checkpoint', ...exp.files].sort());
    for (const f of exp.files as string[]) {
      expect(Buffer.compare(readFileSync(join(dir, f)), readFileSync(join(FIXTURES, 'saver', 'sharded', f))), f).toBe(
        0,
      );
    }
    // And both restore.
    for (const prefix of [path, tfPrefix]) {
      const w = { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) };
      const d = { dtype: 'bool', shape: [2], data: new Uint8Array(2) };
      await new Saver({ 'a/w': w, d }).restore(prefix);
      expect(Array.from(w.data)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(Array.from(d.data)).toEqual([1, 0]);
    }
  });
});
