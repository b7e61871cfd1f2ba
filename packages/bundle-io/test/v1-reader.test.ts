import { BundleError, openCheckpoint, V1Reader } from '@tensorgraft/bundle-io';
import { describe, expect, it } from 'vitest';
import { expected, fixture, type JsonTensor, tensorToJson } from './fixtures.js';

describe('V1Reader on a V1 checkpoint written by tf.compat.v1.train.Saver(write_version=V1)', () => {
  const exp = expected<{ prefix: string; sliced: string[]; tensors: Record<string, JsonTensor> }>('v1');

  it("reads every tensor, the partitioned one included, with TensorFlow's values", () => {
    const r = V1Reader.open(fixture('v1', exp.prefix));
    const got: Record<string, JsonTensor> = {};
    for (const n of r.names()) got[n] = tensorToJson(r.get(n));
    expect(got).toEqual(exp.tensors);
    r.close();
  });

  it('lists dtypes, shapes and the stored slices', () => {
    const r = V1Reader.open(fixture('v1', exp.prefix));
    const e = r.entry('embedding');
    expect(e).toMatchObject({ dtype: 'float32', shape: [10, 4], size: 160 });
    expect(e.slices.map((s) => s[0])).toEqual([
      { start: 0, length: 4 },
      { start: 4, length: 3 },
      { start: 7, length: 3 },
    ]);
    const part = r.getSlice('embedding', e.slices[1]!);
    expect(part.shape).toEqual([3, 4]);
    expect(Array.from(part.data as Float32Array)).toEqual((exp.tensors.embedding!.values as number[]).slice(16, 28));
    expect(r.entry('half')).toMatchObject({ dtype: 'float16', shape: [2, 2], slices: [] });
    r.close();
  });

  it('is found by openCheckpoint from the file name', () => {
    const r = openCheckpoint(fixture('v1', exp.prefix));
    expect(r.format).toBe('v1');
    expect(r.names()).toEqual(Object.keys(exp.tensors).sort());
    expect(r.verifyAll().size).toBe(0);
    const seen = [...r.tensors()].map(([n, t]) => [n, tensorToJson(t)]);
    expect(Object.fromEntries(seen)).toEqual(exp.tensors);
    r.close();
  });

  it('reports an unknown tensor by name', () => {
    const r = V1Reader.open(fixture('v1', exp.prefix));
    expect(() => r.get('nope')).toThrow(BundleError);
    r.close();
  });

  it('reads a sharded V1 checkpoint (tensors spread over two table files), by prefix or by the Saver pattern', () => {
    const sh = expected<{ prefix: string; saver_returned: string; tensors: Record<string, JsonTensor> }>('v1_sharded');
    for (const p of [sh.prefix, sh.saver_returned]) {
      const r = openCheckpoint(fixture('v1_sharded', p));
      expect(r.format).toBe('v1');
      const got: Record<string, JsonTensor> = {};
      for (const n of r.names()) got[n] = tensorToJson(r.get(n));
      expect(got).toEqual(sh.tensors);
      r.close();
    }
  });
});
