import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, BundleReader, BundleWriter, mergeBundles } from '@tensorgraft/bundle-io';
import { crc32c, maskCrc } from '@tensorgraft/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { expected, fixture, type JsonTensor, parseShapeAndSlice, tensorFromJson, tensorToJson } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'bundle-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function same(a: string, b: string): void {
  expect(Buffer.from(readFileSync(a)).equals(readFileSync(b))).toBe(true);
}

describe('BundleWriter', () => {
  it("writes byte-identical files to TensorFlow's SaveV2 for the same tensors in the same order", () => {
    const exp = expected<{ saved: (JsonTensor & { name: string })[] }>('dtypes');
    const prefix = join(tmp, 'dtypes', 'model.ckpt');
    const w = new BundleWriter(prefix);
    for (const item of exp.saved) {
      const t = tensorFromJson(item);
      if (item.shape_and_slice) {
        const { fullShape, extents } = parseShapeAndSlice(item.shape_and_slice);
        w.addSlice(item.name, fullShape, extents, t);
      } else {
        w.add(item.name, t);
      }
    }
    w.finish();
    same(`${prefix}.index`, fixture('dtypes', 'model.ckpt.index'));
    same(`${prefix}.data-00000-of-00001`, fixture('dtypes', 'model.ckpt.data-00000-of-00001'));
    expect(readdirSync(join(tmp, 'dtypes')).sort()).toEqual(['model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
  });

  it('addAsync (write off-thread, crc on this thread) gives the same bytes as SaveV2', async () => {
    const exp = expected<{ saved: (JsonTensor & { name: string })[] }>('dtypes');
    const prefix = join(tmp, 'dtypes-async', 'model.ckpt');
    const w = new BundleWriter(prefix);
    for (const item of exp.saved) {
      const t = tensorFromJson(item);
      if (item.shape_and_slice) {
        const { fullShape, extents } = parseShapeAndSlice(item.shape_and_slice);
        w.addSlice(item.name, fullShape, extents, t);
      } else {
        await w.addAsync(item.name, t);
      }
    }
    w.finish();
    same(`${prefix}.index`, fixture('dtypes', 'model.ckpt.index'));
    same(`${prefix}.data-00000-of-00001`, fixture('dtypes', 'model.ckpt.data-00000-of-00001'));
  });

  it('add and addAsync agree on tensors spanning many write chunks (crc extended chunk by chunk)', async () => {
    // Sizes around the 1 MiB write chunk: just under, exactly, just over, and several MiB with an odd tail.
    const tensors = [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, (5 << 20) + 3].map((n, i) => {
      const data = new Uint8Array(n);
      for (let j = 0; j < n; j += 7) data[j] = (j * 31 + i) & 0xff;
      return [`t${i}`, { dtype: 'uint8', shape: [n], data }] as const;
    });
    const sync = new BundleWriter(join(tmp, 'chunks-sync', 'ckpt'));
    const async = new BundleWriter(join(tmp, 'chunks-async', 'ckpt'));
    for (const [name, t] of tensors) {
      sync.add(name, t);
      await async.addAsync(name, t);
    }
    sync.finish();
    async.finish();
    for (const suffix of ['.index', '.data-00000-of-00001'])
      same(join(tmp, 'chunks-sync', `ckpt${suffix}`), join(tmp, 'chunks-async', `ckpt${suffix}`));
    // The stored crc is the one-shot crc32c of each tensor's bytes.
    const r = BundleReader.open(join(tmp, 'chunks-async', 'ckpt'));
    for (const [name, t] of tensors) {
      expect(r.entry(name).crc32c).toBe(maskCrc(crc32c(t.data)));
      expect(Buffer.from(r.get(name).data as Uint8Array).equals(Buffer.from(t.data))).toBe(true);
    }
    r.close();
  });

  it('reads back what it wrote: every dtype, scalars, empty tensors', () => {
    const exp = expected<{ saved: (JsonTensor & { name: string })[] }>('dtypes');
    const prefix = join(tmp, 'roundtrip', 'ckpt');
    const w = new BundleWriter(prefix);
    const want: Record<string, JsonTensor> = {};
    for (const item of exp.saved) {
      if (item.shape_and_slice) continue;
      w.add(item.name, tensorFromJson(item));
      want[item.name] = tensorToJson(tensorFromJson(item));
    }
    w.finish();
    const r = BundleReader.open(prefix);
    for (const name of Object.keys(want)) expect(tensorToJson(r.get(name))).toEqual(want[name]);
    r.close();
  });

  it('uses temp names until finish and renames them', () => {
    const prefix = join(tmp, 'temp', 'ckpt');
    const w = new BundleWriter(prefix);
    w.add('a', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
    const during = readdirSync(join(tmp, 'temp'));
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^ckpt\.data-00000-of-00001\.tempstate\d+$/);
    w.finish();
    expect(readdirSync(join(tmp, 'temp')).sort()).toEqual(['ckpt.data-00000-of-00001', 'ckpt.index']);
  });

  it('abort removes the temporary data file', () => {
    const prefix = join(tmp, 'abort', 'ckpt');
    const w = new BundleWriter(prefix);
    w.add('a', { dtype: 'int32', shape: [1], data: new Int32Array([1]) });
    w.abort();
    expect(readdirSync(join(tmp, 'abort'))).toEqual([]);
  });

  it('refuses duplicates, wrong lengths and the empty name with typed errors', () => {
    const w = new BundleWriter(join(tmp, 'bad', 'ckpt'));
    w.add('x', { dtype: 'int32', shape: [1], data: new Int32Array([1]) });
    const codes = [
      () => w.add('x', { dtype: 'int32', shape: [1], data: new Int32Array([1]) }),
      () => w.add('y', { dtype: 'int32', shape: [2], data: new Int32Array([1]) }),
      () => w.add('z', { dtype: 'float32', shape: [1], data: new Int32Array([1]) }),
      () => w.add('', { dtype: 'int32', shape: [1], data: new Int32Array([1]) }),
      () => w.add('v', { dtype: 'variant', shape: [1], data: new Uint8Array(1) }),
    ].map((f) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        expect(e).toBeInstanceOf(BundleError);
        return (e as BundleError).code;
      }
    });
    expect(codes).toEqual(['DUPLICATE_KEY', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'UNSUPPORTED']);
    w.abort();
  });

  it('writes tables with several data blocks like TensorFlow (many entries)', () => {
    // 20k entries make the index span several 256 KiB blocks: separators and the final successor are exercised.
    const prefix = join(tmp, 'many', 'ckpt');
    const w = new BundleWriter(prefix);
    for (let i = 0; i < 20000; i++)
      w.add(`layer_${String(i).padStart(5, '0')}/w`, { dtype: 'float32', shape: [1], data: new Float32Array([i]) });
    w.finish();
    const r = BundleReader.open(prefix);
    expect(r.names()).toHaveLength(20000);
    expect((r.get('layer_12345/w').data as Float32Array)[0]).toBe(12345);
    r.close();
  });
});

describe('mergeBundles', () => {
  it("merges like MergeV2Checkpoints: same files, same bytes, inputs' index files and directory removed", () => {
    const exp = expected<{ inputs: string[]; merged_files: string[]; input_dir_after_merge: string[] | null }>('merge');
    const work = join(tmp, 'merge');
    cpSync(fixture('merge', 'parts'), join(work, 'tmp'), { recursive: true });
    mergeBundles(
      exp.inputs.map((p) => join(work, 'tmp', p.replace(/^parts\//, ''))),
      join(work, 'out', 'model.ckpt'),
    );
    expect(readdirSync(join(work, 'out')).sort()).toEqual(exp.merged_files);
    for (const f of exp.merged_files) same(join(work, 'out', f), fixture('merge', 'merged', f));
    expect(exp.input_dir_after_merge).toBeNull();
    expect(() => readdirSync(join(work, 'tmp'))).toThrow();
  });
});
