// Writing checkpoints with no Node built-in (the browser entry point): AsyncBundleWriter to mem://, and Blobs
// (saveCheckpointToBlobs, checkpointBlobs, downloadCheckpoint). The bytes must be the Node writer's, which must be
// TensorFlow's SaveV2 bytes on the TensorFlow-written fixture.

import { resolveObjectURL } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleWriter } from '@tensorgraft/bundle-io';
import {
  AsyncBundleWriter,
  BundleError,
  checkpointBlobs,
  type DownloadDocument,
  downloadCheckpoint,
  memoryObject,
  openCheckpointAt,
  putMemoryObject,
  saveCheckpointToBlobs,
  type Tensor,
} from '@tensorgraft/bundle-io/browser';
import { afterAll, describe, expect, it } from 'vitest';
import { expected, fixture, type JsonTensor, parseShapeAndSlice, tensorFromJson } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'async-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const INDEX = '.index';
const DATA = '.data-00000-of-00001';
const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
/** Byte equality in one call (toEqual walks megabytes element by element, for minutes). */
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
/** A tensor read back equals the one written: dtype, shape, and the same bytes (strings: the same byte strings). */
function expectSameTensor(got: Tensor, want: Tensor): void {
  expect([got.dtype, got.shape]).toEqual([want.dtype, want.shape]);
  if (Array.isArray(want.data)) expect(got.data).toEqual(want.data);
  else {
    const bytes = (t: Tensor) => {
      const d = t.data as ArrayBufferView;
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    };
    expect(same(bytes(got), bytes(want))).toBe(true);
  }
}

/** A mixed set: float32, int64 (beyond 2^53), strings (one not UTF-8), a scalar, and 3 MiB + 8 bytes of float32. */
function mixedTensors(): [string, Tensor][] {
  const big = new Float32Array((3 << 18) + 2);
  for (let i = 0; i < big.length; i++) big[i] = Math.sin(i) * 1e3;
  return [
    ['a/weights', { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1.5, -2, 3.25, 0, -0, 1e-30) }],
    ['big', { dtype: 'float32', shape: [big.length], data: big }],
    ['counts', { dtype: 'int64', shape: [3], data: BigInt64Array.of(-1n, 2n ** 60n + 7n, 0n) }],
    [
      'names',
      {
        dtype: 'string',
        shape: [3],
        data: [new TextEncoder().encode('héllo'), Uint8Array.of(0xff, 0), new Uint8Array(0)],
      },
    ],
    ['step', { dtype: 'int32', shape: [], data: Int32Array.of(42) }],
  ];
}

/** The Node writer's two files for `tensors` (added in order). */
function nodeWritten(tensors: [string, Tensor][], dir: string, dataAlignment = 1): [Uint8Array, Uint8Array] {
  const prefix = join(tmp, dir, 'model.ckpt');
  const w = new BundleWriter(prefix, { dataAlignment });
  for (const [name, t] of tensors) w.add(name, t);
  w.finish();
  return [new Uint8Array(readFileSync(prefix + INDEX)), new Uint8Array(readFileSync(prefix + DATA))];
}

describe('AsyncBundleWriter (mem://)', () => {
  it("writes TensorFlow's SaveV2 bytes for the TensorFlow fixture, slices included", async () => {
    const exp = expected<{ saved: (JsonTensor & { name: string })[] }>('dtypes');
    const w = await AsyncBundleWriter.create('mem://dtypes-written/model.ckpt');
    for (const item of exp.saved) {
      const t = tensorFromJson(item);
      if (item.shape_and_slice) {
        const { fullShape, extents } = parseShapeAndSlice(item.shape_and_slice);
        w.addSlice(item.name, fullShape, extents, t);
      } else w.add(item.name, t);
    }
    // Nothing is visible before finish: a reader never sees half a checkpoint.
    expect(memoryObject(`mem://dtypes-written/model.ckpt${DATA}`)).toBeUndefined();
    await w.finish();
    expect(
      same(
        memoryObject(`mem://dtypes-written/model.ckpt${INDEX}`),
        new Uint8Array(readFileSync(fixture('dtypes', `model.ckpt${INDEX}`))),
      ),
    ).toBe(true);
    expect(
      same(
        memoryObject(`mem://dtypes-written/model.ckpt${DATA}`),
        new Uint8Array(readFileSync(fixture('dtypes', `model.ckpt${DATA}`))),
      ),
    ).toBe(true);
  });

  it("equals the Node writer's files, and reads back, for float32, int64, strings, a scalar and a 3 MiB tensor", async () => {
    const tensors = mixedTensors();
    const [index, data] = nodeWritten(tensors, 'mixed');
    const w = await AsyncBundleWriter.create('mem://mixed/model.ckpt');
    for (const [name, t] of tensors) w.add(name, t);
    expect(w.dataSize).toBe(data.length);
    await w.finish();
    expect(same(memoryObject(`mem://mixed/model.ckpt${INDEX}`), index)).toBe(true);
    expect(same(memoryObject(`mem://mixed/model.ckpt${DATA}`), data)).toBe(true);
    const r = await openCheckpointAt('mem://mixed/model.ckpt');
    for (const [name, t] of tensors) expectSameTensor(await r.get(name), t);
    await r.close();
  });

  it('refuses bad options, bad tensors and unwritable locations with typed errors; abort leaves nothing', async () => {
    await expect(AsyncBundleWriter.create('mem://bad/x', { dataAlignment: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('dataAlignment'),
    });
    await expect(
      AsyncBundleWriter.create('mem://bad/x', { alignment: 2 } as unknown as { dataAlignment: number }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('alignment') });
    await expect(AsyncBundleWriter.create('https://example.invalid/ckpt')).rejects.toBeInstanceOf(BundleError);

    const w = await AsyncBundleWriter.create('mem://bad/model.ckpt');
    w.add('ok', { dtype: 'float32', shape: [1], data: Float32Array.of(1) });
    expect(() => w.add('short', { dtype: 'float32', shape: [3], data: Float32Array.of(1) })).toThrow(
      expect.objectContaining({ tensor: 'short' }),
    );
    expect(() => w.add('ok', { dtype: 'float32', shape: [1], data: Float32Array.of(2) })).toThrow(
      expect.objectContaining({ code: 'DUPLICATE_KEY', tensor: 'ok' }),
    );
    await w.abort();
    expect(memoryObject(`mem://bad/model.ckpt${DATA}`)).toBeUndefined();
    expect(memoryObject(`mem://bad/model.ckpt${INDEX}`)).toBeUndefined();
    expect(() => w.add('late', { dtype: 'float32', shape: [], data: Float32Array.of(1) })).toThrow(/aborted/);
  });
});

describe('checkpoint Blobs', () => {
  it("saveCheckpointToBlobs gives the Node writer's bytes (with and without data alignment)", async () => {
    const tensors = mixedTensors();
    for (const dataAlignment of [1, 64]) {
      const [index, data] = nodeWritten(tensors, `blobs-${dataAlignment}`, dataAlignment);
      const blobs = await saveCheckpointToBlobs(tensors, { name: 'model.ckpt', dataAlignment });
      expect(blobs.files.map((f) => f.name)).toEqual(['model.ckpt.index', 'model.ckpt.data-00000-of-00001']);
      expect(same(await bytesOf(blobs.index), index)).toBe(true);
      expect(same(await bytesOf(blobs.data), data)).toBe(true);
      expect(blobs.files[0]!.blob).toBe(blobs.index);
      expect(blobs.files[1]!.blob).toBe(blobs.data);
    }
    // A record of name -> tensor is taken in its key order.
    const record = Object.fromEntries(tensors);
    const fromRecord = await saveCheckpointToBlobs(record);
    expect(same(await bytesOf(fromRecord.index), nodeWritten(tensors, 'record')[0])).toBe(true);
  });

  it('reads back from the Blobs, and checkpointBlobs takes a mem:// checkpoint away', async () => {
    const tensors = mixedTensors();
    const blobs = await saveCheckpointToBlobs(tensors, { name: 'run.ckpt-7' });
    putMemoryObject(`mem://blobs-back/run.ckpt-7${INDEX}`, await bytesOf(blobs.index));
    putMemoryObject(`mem://blobs-back/run.ckpt-7${DATA}`, await bytesOf(blobs.data));
    const r = await openCheckpointAt('mem://blobs-back/run.ckpt-7');
    expect(r.keys()).toEqual(['a/weights', 'big', 'counts', 'names', 'step']);
    for (const [name, t] of tensors) expectSameTensor(await r.get(name), t);
    await r.close();

    const again = checkpointBlobs('mem://blobs-back/run.ckpt-7');
    expect(again.name).toBe('run.ckpt-7');
    expect(same(await bytesOf(again.index), await bytesOf(blobs.index))).toBe(true);
    expect(same(await bytesOf(again.data), await bytesOf(blobs.data))).toBe(true);
    expect(() => checkpointBlobs('mem://blobs-back/missing')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', path: 'mem://blobs-back/missing' }),
    );
  });

  it('refuses a bad name or a bad tensor with typed errors', async () => {
    await expect(saveCheckpointToBlobs([], { name: 'dir/model.ckpt' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('name'),
    });
    await expect(
      saveCheckpointToBlobs([['x', { dtype: 'float32', shape: [2], data: Float32Array.of(1) }]]),
    ).rejects.toMatchObject({ tensor: 'x' });
  });

  it('downloadCheckpoint clicks one <a download> per file, whose object URL holds its bytes', async () => {
    const blobs = await saveCheckpointToBlobs(mixedTensors().slice(0, 1), { name: 'm.ckpt' });
    const clicked: { download: string; href: string }[] = [];
    const appended: unknown[] = [];
    const document: DownloadDocument = {
      createElement: () => {
        const a = {
          href: '',
          download: '',
          click: () => clicked.push({ download: a.download, href: a.href }),
          remove: () => appended.splice(appended.indexOf(a), 1),
        };
        return a;
      },
      body: { append: (node) => appended.push(node) },
    };
    expect(downloadCheckpoint(blobs, { document, revokeAfterMs: 0 })).toEqual([
      'm.ckpt.index',
      'm.ckpt.data-00000-of-00001',
    ]);
    expect(clicked.map((c) => c.download)).toEqual(['m.ckpt.index', 'm.ckpt.data-00000-of-00001']);
    expect(appended).toEqual([]);
    const linked = resolveObjectURL(clicked[1]!.href);
    expect(same(await bytesOf(linked as Blob), await bytesOf(blobs.data))).toBe(true);
    expect(() => downloadCheckpoint(blobs)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    expect(() => downloadCheckpoint(blobs, { revokeAfterMs: -1 })).toThrow(/revokeAfterMs/);
  });
});
