// The http(s) store: TensorFlow-written checkpoints read by URL from a real local server with Range support, reading
// only the index and the tensors asked for, and typed errors naming the URL for what servers get wrong.
import { BundleError, configureHttp, httpStore, openCheckpointAt, resolveStore } from '@tensorgraft/bundle-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expected, FIXTURES, tensorToJson } from './fixtures.js';
import { type RangeServer, startRangeServer } from './range-server.js';

let server: RangeServer;
beforeAll(async () => {
  server = await startRangeServer(FIXTURES);
});
afterAll(() => server.close());

const CASES = ['dtypes', 'saver', 'sharded'];

describe('http store', () => {
  for (const kase of CASES) {
    it(`reads ${kase} by URL with TensorFlow's values (get and getAll)`, async () => {
      const exp = expected(kase);
      const r = await openCheckpointAt(`${server.url}/${kase}/${exp.prefix}`);
      try {
        const one: Record<string, unknown> = {};
        for (const name of r.keys()) one[name] = tensorToJson(await r.get(name));
        expect(one).toEqual(exp.tensors);
        const all: Record<string, unknown> = {};
        for (const [name, t] of await r.getAll()) all[name] = tensorToJson(t);
        expect(all).toEqual(exp.tensors);
      } finally {
        await r.close();
      }
    });
  }

  it('fetches only the index and the one tensor asked for', async () => {
    const exp = expected('dtypes');
    const before = server.bytesSent();
    const r = await openCheckpointAt(`${server.url}/dtypes/${exp.prefix}`);
    const indexBytes = r.bytesRead;
    const name = r.keys().at(-1)!;
    const t = await r.get(name);
    await r.close();
    expect(tensorToJson(t)).toEqual(exp.tensors[name]);
    const tensorBytes = r.entry(name).size;
    expect(r.bytesRead).toBe(indexBytes + tensorBytes);
    // What the server really sent agrees with the reader's count, and stays within index + tensor + 64 KiB.
    expect(server.bytesSent() - before).toBe(r.bytesRead);
    expect(server.bytesSent() - before).toBeLessThanOrEqual(indexBytes + tensorBytes + 64 * 1024);
  });

  it('resolves http and https to the read-only store', async () => {
    expect(resolveStore('https://example.invalid/x')).toBe(httpStore);
    expect(httpStore.writable).toBe(false);
    await expect(httpStore.create(`${server.url}/x`)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      path: `${server.url}/x`,
    });
    await expect(httpStore.remove(`${server.url}/x`)).rejects.toThrow(/read-only/);
    expect(await httpStore.exists(`${server.url}/dtypes/model.ckpt.index`)).toBe(true);
    expect(await httpStore.exists(`${server.url}/dtypes/nothing.index`)).toBe(false);
  });

  it('names the URL for 404, 403, 5xx, a server without Range support, a short object and a timeout', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as BundleError,
      );

    const missing = await err(openCheckpointAt(`${server.url}/dtypes/nothing`));
    expect(missing).toBeInstanceOf(BundleError);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', path: `${server.url}/dtypes/nothing.index` });
    expect(missing?.message).toContain('HTTP 404');

    const forbidden = await err(openCheckpointAt(`${server.url}/forbidden/dtypes/model.ckpt`));
    expect(forbidden).toMatchObject({ code: 'IO' });
    expect(forbidden?.message).toMatch(/HTTP 403 \(access denied\).*forbidden\/dtypes\/model\.ckpt\.index/);

    configureHttp({ attempts: 2 });
    const broken = await err(openCheckpointAt(`${server.url}/broken/dtypes/model.ckpt`));
    expect(broken).toMatchObject({ code: 'IO' });
    expect(broken?.message).toContain('HTTP 503');

    const noRange = await err(
      httpStore.open(`${server.url}/no-range/dtypes/model.ckpt.index`).then((s) => s.read(8, 16)),
    );
    expect(noRange).toMatchObject({ code: 'UNSUPPORTED', offset: 8 });
    expect(noRange?.message).toMatch(/does not support HTTP Range requests/);

    const src = await httpStore.open(`${server.url}/dtypes/model.ckpt.index`);
    const past = await err(src.read(src.size - 4, 8));
    expect(past).toMatchObject({ code: 'TRUNCATED', offset: src.size - 4 });

    configureHttp({ timeoutMs: 300 });
    const slow = await err(httpStore.open(`${server.url}/slow/dtypes/model.ckpt.index`));
    expect(slow).toMatchObject({ code: 'IO' });
    expect(slow?.message).toMatch(/no answer within 300 ms.*slow\/dtypes/);
    configureHttp({ timeoutMs: 60_000, attempts: 3 });
  });
});
