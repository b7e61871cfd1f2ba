import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, BundleReader, BundleWriter, fileSource } from '@tensorgraft/bundle-io';
import { describe, expect, it } from 'vitest';
import { expected, fixture, type JsonTensor, tensorToJson } from './fixtures.js';

function readAll(prefix: string): Record<string, JsonTensor> {
  const r = BundleReader.open(prefix);
  try {
    const out: Record<string, JsonTensor> = {};
    for (const name of r.names()) out[name] = tensorToJson(r.get(name));
    return out;
  } finally {
    r.close();
  }
}

describe('BundleReader on checkpoints written by TensorFlow', () => {
  for (const kase of ['dtypes', 'saver', 'sharded', 'merge']) {
    it(`reads every tensor of ${kase} with TensorFlow's values`, () => {
      const exp = expected(kase);
      const got = readAll(fixture(kase, exp.prefix));
      expect(Object.keys(got).sort()).toEqual(Object.keys(exp.tensors).sort());
      expect(got).toEqual(exp.tensors);
    });
  }

  for (const sub of ['whole', 'sharded']) {
    it(`reads the tf.train.Checkpoint ${sub} case`, () => {
      const exp = expected<{ cases: Record<string, { prefix: string; tensors: Record<string, JsonTensor> }> }>(
        'object',
      );
      const c = exp.cases[sub]!;
      expect(readAll(fixture('object', c.prefix))).toEqual(c.tensors);
    });
  }

  it('getAll and getAsync read the same values as get (big tensors in chunks, crc checked)', async () => {
    for (const kase of ['dtypes', 'sharded']) {
      const exp = expected(kase);
      const r = BundleReader.open(fixture(kase, exp.prefix));
      const all = await r.getAll(r.names(), 3);
      expect([...all.keys()]).toEqual(r.names());
      for (const [name, t] of all) expect(tensorToJson(t)).toEqual(exp.tensors[name]);
      expect(tensorToJson(await r.getAsync(r.names()[0]!))).toEqual(exp.tensors[r.names()[0]!]);
      r.close();
    }
    // A 70 MiB tensor spans three 32 MiB chunks.
    const dir = mkdtempSync(join(tmpdir(), 'getall-'));
    const big = new Float32Array((70 << 20) / 4);
    for (let i = 0; i < big.length; i += 1001) big[i] = i;
    const w = new BundleWriter(join(dir, 'big'));
    await w.addAsync('big', { dtype: 'float32', shape: [big.length], data: big });
    w.add('small', { dtype: 'int8', shape: [2], data: new Int8Array([1, -1]) });
    w.finish();
    const r = BundleReader.open(join(dir, 'big'));
    const got = (await r.getAll()).get('big')!.data as Float32Array;
    expect(Buffer.from(got.buffer).equals(Buffer.from(big.buffer))).toBe(true);
    r.close();
    const data = readFileSync(join(dir, 'big.data-00000-of-00001'));
    data[(40 << 20) + 3]! ^= 1;
    writeFileSync(join(dir, 'big.data-00000-of-00001'), data);
    const bad = BundleReader.open(join(dir, 'big'));
    await expect(bad.getAll()).rejects.toMatchObject({ code: 'TENSOR_CHECKSUM', tensor: 'big' });
    await expect(bad.getAsync('big')).rejects.toMatchObject({ code: 'TENSOR_CHECKSUM' });
    bad.close();
    rmSync(dir, { recursive: true });
  });

  it('reads large tensors of every element width whole (arrays over 4 MiB come from the huge-page allocator)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'large-'));
    const n = (5 << 20) / 8 + 3; // 5 MiB and a bit of int64; complex64 is 2 float32 per element
    const i64 = BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 0x100000001n - 7n);
    const c64 = Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? -i : i) / 3);
    const u16 = Uint16Array.from({ length: 4 * n }, (_, i) => (i * 40503) & 0xffff);
    const w = new BundleWriter(join(dir, 'large'));
    w.add('i64', { dtype: 'int64', shape: [n], data: i64 });
    w.add('c64', { dtype: 'complex64', shape: [n], data: c64 });
    w.add('u16', { dtype: 'uint16', shape: [4 * n], data: u16 });
    w.finish();
    const r = BundleReader.open(join(dir, 'large'));
    const all = await r.getAll();
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(all.get('i64')!.data as BigInt64Array).equals(bytes(i64))).toBe(true);
    expect(bytes(all.get('c64')!.data as Float32Array).equals(bytes(c64))).toBe(true);
    expect(bytes(r.get('u16').data as Uint16Array).equals(bytes(u16))).toBe(true);
    expect((all.get('c64')!.data as Float32Array).length).toBe(2 * n);
    r.close();
    rmSync(dir, { recursive: true });
  });

  it('readInto fills an existing array (and checks dtype, length and crc)', () => {
    const exp = expected('dtypes');
    const r = BundleReader.open(fixture('dtypes', exp.prefix));
    const target = new Float32Array(12).fill(7);
    expect(r.readInto('zeta/float32', target)).toBe(target);
    expect(tensorToJson({ dtype: 'float32', shape: [3, 4], data: target })).toEqual(exp.tensors['zeta/float32']);
    const part = new Float32Array(24);
    r.readInto('part/matrix', part);
    expect(tensorToJson({ dtype: 'float32', shape: [6, 4], data: part })).toEqual(exp.tensors['part/matrix']);
    const c = new Float64Array(2);
    r.readInto('complex128', c);
    expect(Array.from(c)).toEqual([3, -4]);
    expect(() => r.readInto('zeta/float32', new Float32Array(11))).toThrow(/readInto needs a Float32Array of 12/);
    expect(() => r.readInto('zeta/float32', new Float64Array(12) as never)).toThrow(BundleError);
    r.close();
  });

  it('lists entries with dtype, shape and byte size', () => {
    const r = BundleReader.open(fixture('dtypes', 'model.ckpt'));
    const byName = new Map(r.entries().map((e) => [e.name, e]));
    expect(byName.get('zeta/float32')).toMatchObject({ dtype: 'float32', shape: [3, 4], size: 48, slices: [] });
    expect(byName.get('complex128')).toMatchObject({ dtype: 'complex128', shape: [1, 1], size: 16 });
    expect(byName.get('scalar/int64')).toMatchObject({ dtype: 'int64', shape: [], size: 8 });
    const part = byName.get('part/matrix')!;
    expect(part.dtype).toBe('float32');
    expect(part.shape).toEqual([6, 4]);
    expect(part.size).toBe(96);
    expect(part.slices).toHaveLength(3);
    // Only tensor names are listed, never the slice keys.
    expect(r.names().every((n) => n.charCodeAt(0) !== 0)).toBe(true);
    r.close();
  });

  it('reads a partitioned tensor slice by slice', () => {
    const r = BundleReader.open(fixture('dtypes', 'model.ckpt'));
    const e = r.entry('part/matrix');
    const rows = e.slices.map((s) => {
      const t = r.getSlice('part/matrix', s);
      return { start: s[0]!.start, shape: t.shape, first: (t.data as Float32Array)[0] };
    });
    rows.sort((a, b) => a.start - b.start);
    expect(rows).toEqual([
      { start: 0, shape: [2, 4], first: 0 },
      { start: 2, shape: [3, 4], first: 1 },
      { start: 5, shape: [1, 4], first: 2.5 },
    ]);
    r.close();
  });

  it('reads one tensor without reading the others', () => {
    const r = BundleReader.open(fixture('dtypes', 'model.ckpt'));
    const afterOpen = r.bytesRead;
    r.get('int8');
    expect(r.bytesRead - afterOpen).toBe(3);
    r.close();
  });

  it('names a missing data shard', () => {
    const exp = expected('sharded');
    const r = new BundleReader({
      prefix: 'x',
      index: fileSource(fixture('sharded', `${exp.prefix}.index`)),
      openShard: () => {
        throw new BundleError('NOT_FOUND', 'gone', { path: '/nowhere/model.ckpt.data-00001-of-00002' });
      },
    });
    const err = (() => {
      try {
        r.get(r.names()[0]!);
      } catch (e) {
        return e as BundleError;
      }
    })();
    expect(err).toBeInstanceOf(BundleError);
    expect(err!.code).toBe('NOT_FOUND');
    expect(err!.path).toBe('/nowhere/model.ckpt.data-00001-of-00002');
    expect(err!.tensor).toBe(r.names()[0]);
  });

  it('sharded fixtures really have several data files', () => {
    expect(readdirSync(fixture('sharded')).filter((f) => f.includes('.data-'))).toHaveLength(2);
    expect(existsSync(fixture('object', 'sharded', 'ckpt.data-00001-of-00002'))).toBe(true);
  });
});
