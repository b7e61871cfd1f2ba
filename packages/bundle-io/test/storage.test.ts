// The storage seam with the local and memory stores, and the async reader over it, on TensorFlow-written fixtures.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BundleError,
  BundleReader,
  BundleWriter,
  memoryObject,
  openCheckpointAt,
  putMemoryObject,
  resolveStore,
} from '@tensorgraft/bundle-io';
import { describe, expect, it } from 'vitest';
import { expected, fixture, type JsonTensor, tensorToJson } from './fixtures.js';

const CASES = ['dtypes', 'saver', 'sharded', 'merge'];

async function readAllAt(location: string, oneByOne: boolean): Promise<Record<string, JsonTensor>> {
  const r = await openCheckpointAt(location);
  try {
    const out: Record<string, JsonTensor> = {};
    if (oneByOne) for (const name of r.keys()) out[name] = tensorToJson(await r.get(name));
    else for (const [name, t] of await r.getAll()) out[name] = tensorToJson(t);
    return out;
  } finally {
    await r.close();
  }
}

/** Copies a fixture's files into mem://<case>/ and returns the prefix there. */
function toMemory(kase: string, prefix: string): string {
  const dir = fixture(kase);
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const rel = join(f.parentPath, f.name).slice(dir.length + 1);
    putMemoryObject(`mem://${kase}/${rel}`, new Uint8Array(readFileSync(join(dir, rel))));
  }
  return `mem://${kase}/${prefix}`;
}

describe('openCheckpointAt', () => {
  for (const kase of CASES) {
    it(`reads ${kase} from a path, a file:// URL and mem:// with TensorFlow's values`, async () => {
      const exp = expected(kase);
      const path = fixture(kase, exp.prefix);
      expect(await readAllAt(path, true)).toEqual(exp.tensors);
      expect(await readAllAt(pathToFileURL(path).href, false)).toEqual(exp.tensors);
      expect(await readAllAt(toMemory(kase, exp.prefix), true)).toEqual(exp.tensors);
      expect(await readAllAt(toMemory(kase, exp.prefix), false)).toEqual(exp.tensors);
    });
  }

  it('reads the index and then only the requested tensor', async () => {
    const exp = expected('saver');
    const r = await openCheckpointAt(fixture('saver', exp.prefix));
    const indexBytes = r.bytesRead;
    const name = r.keys().at(-1)!;
    await r.get(name);
    expect(r.bytesRead - indexBytes).toBe(r.entry(name).size);
    await r.close();
  });

  it('names the location of a missing checkpoint and an unknown scheme', async () => {
    await expect(openCheckpointAt('mem://nothing/model.ckpt')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('mem://nothing/model.ckpt.index'),
    });
    expect(() => resolveStore('gopher://x/y')).toThrow(BundleError);
    expect(() => resolveStore('gopher://x/y')).toThrow(/gopher/);
  });
});

describe('local and memory stores', () => {
  for (const loc of [() => join(mkdtempSync(join(tmpdir(), 'tg-store-')), 'a', 'obj'), () => 'mem://sinks/a/obj']) {
    it(`a sink is invisible until commit, abort leaves nothing (${loc().slice(0, 6)})`, async () => {
      const where = loc();
      const store = resolveStore(where);
      const sink = await store.create(where);
      await sink.write(new Uint8Array([1, 2, 3]));
      await sink.write(new Uint8Array([4]));
      expect(await store.exists(where)).toBe(false);
      await sink.commit();
      expect(await store.exists(where)).toBe(true);
      const src = await store.open(where);
      expect([...(await src.read(1, 3))]).toEqual([2, 3, 4]);
      await src.close();
      const parent = where.slice(0, where.lastIndexOf('/'));
      expect(await store.list(parent)).toEqual([where]);
      const other = await store.create(`${parent}/other`);
      await other.write(new Uint8Array([9]));
      await other.abort();
      expect(await store.list(parent)).toEqual([where]);
      await store.remove(where);
      expect(await store.exists(where)).toBe(false);
    });
  }
});

describe('BundleWriter.create on any location', () => {
  for (const kase of ['dtypes', 'sharded']) {
    it(`rewrites ${kase} to mem:// (data first, index last) and reads back TensorFlow's values`, async () => {
      const exp = expected(kase);
      const src = BundleReader.open(fixture(kase, exp.prefix));
      const to = `mem://written/${kase}/model.ckpt`;
      const w = await BundleWriter.create(to);
      let i = 0;
      for (const name of src.names()) {
        if (i++ % 2) await w.addAsync(name, src.get(name));
        else w.add(name, src.get(name));
      }
      src.close();
      expect(memoryObject(`${to}.index`)).toBeUndefined();
      expect(memoryObject(`${to}.data-00000-of-00001`)).toBeUndefined();
      await w.finishAsync();
      expect(memoryObject(`${to}.index`)).toBeDefined();
      expect(await readAllAt(to, false)).toEqual(exp.tensors);
    });
  }

  it('an aborted remote writer leaves nothing', async () => {
    const to = 'mem://written/aborted/model.ckpt';
    const w = await BundleWriter.create(to);
    w.add('a', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
    await w.abortAsync();
    expect(await resolveStore(to).list('mem://written/aborted')).toEqual([]);
  });
});
