// The s3:// store against a real SeaweedFS server (scripts/seaweedfs.mjs; built by scripts/build-seaweedfs.sh), with
// credentials and anonymously, on TensorFlow-written fixtures; a full restore in many direct ranged reads; and its failures: 404, 403, a server that never
// answers, a server stopped mid-upload.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BundleWriter, configureS3, openCheckpointAt, resolveStore, type Tensor } from '@tensorgraft/bundle-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper without types
import { startSeaweed } from '../../../scripts/seaweedfs.mjs';
import { expected, fixture, type JsonTensor, tensorToJson } from './fixtures.js';

interface Seaweed {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const CREDS = { accessKey: 'tgaccess', secretKey: 'tgsecret-for-tests' };
let s3: Seaweed;

function useServer(server: Seaweed, creds = CREDS, extra: Record<string, unknown> = {}): void {
  configureS3({
    endpoint: server.endpoint,
    pathStyle: true,
    accessKeyId: creds.accessKey,
    secretAccessKey: creds.secretKey,
    timeoutMs: 20_000,
    attempts: 4,
    ...extra,
  });
}

async function put(location: string, bytes: Uint8Array): Promise<void> {
  const sink = await resolveStore(location).create(location);
  await sink.write(bytes);
  await sink.commit();
}

/** Uploads a fixture's top-level files under s3://bucket/<dir>/ through the store's sinks. */
async function upload(kase: string, dir: string): Promise<void> {
  const from = fixture(kase);
  for (const f of readdirSync(from, { withFileTypes: true })) {
    if (f.isFile()) await put(`s3://${s3.bucket}/${dir}/${f.name}`, new Uint8Array(readFileSync(join(from, f.name))));
  }
}

beforeAll(async () => {
  s3 = await startSeaweed({ credentials: CREDS });
  useServer(s3);
});
afterAll(async () => {
  await s3?.stop();
});

describe('s3:// against SeaweedFS', () => {
  for (const kase of ['dtypes', 'sharded', 'saver']) {
    it(`reads ${kase} uploaded through the store with TensorFlow's values (get and getAll)`, async () => {
      useServer(s3);
      const exp = expected(kase);
      await upload(kase, `fixtures/${kase}`);
      const r = await openCheckpointAt(`s3://${s3.bucket}/fixtures/${kase}/${exp.prefix}`);
      const one: Record<string, JsonTensor> = {};
      for (const name of r.keys()) one[name] = tensorToJson(await r.get(name));
      expect(one).toEqual(exp.tensors);
      const all: Record<string, JsonTensor> = {};
      for (const [name, t] of await r.getAll()) all[name] = tensorToJson(t);
      expect(all).toEqual(exp.tensors);
      await r.close();
    });
  }

  it('fetches the index and then only the one tensor asked for', async () => {
    useServer(s3);
    const exp = expected('dtypes');
    await upload('dtypes', 'lazy');
    const r = await openCheckpointAt(`s3://${s3.bucket}/lazy/${exp.prefix}`);
    const indexSize = readFileSync(fixture('dtypes', `${exp.prefix}.index`)).length;
    expect(r.bytesRead).toBe(indexSize);
    const name = r.keys()[1]!;
    expect(tensorToJson(await r.get(name))).toEqual(exp.tensors[name]);
    expect(r.bytesRead).toBe(indexSize + r.entry(name).size);
    await r.close();
  });

  it('a full restore reads each tensor in many ranges straight into it (signed), as written; the same through fetch', async () => {
    useServer(s3, CREDS, { readConcurrency: 3, readRangeBytes: 1 << 16 });
    // Sizes that are not multiples of the range size, so ranges end mid-element and mid-tensor.
    const tensors: [string, Tensor][] = [
      ['a/kernel', { dtype: 'float32', shape: [301, 1023], data: new Float32Array(301 * 1023) }],
      ['b/bias', { dtype: 'float64', shape: [40_001], data: new Float64Array(40_001) }],
      ['c/steps', { dtype: 'int32', shape: [7], data: new Int32Array(7) }],
    ];
    let x = 12345;
    for (const [, t] of tensors) {
      const d = t.data as Float32Array | Float64Array | Int32Array;
      for (let i = 0; i < d.length; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        d[i] = d instanceof Int32Array ? x | 0 : x / 2 ** 32 - 0.5;
      }
    }
    const prefix = `s3://${s3.bucket}/ranges/model.ckpt`;
    const w = await BundleWriter.create(prefix);
    for (const [n, t] of tensors) await w.addAsync(n, t);
    await w.finishAsync();

    const src = await resolveStore(prefix).open(`${prefix}.index`);
    expect(src.preferredReads).toEqual({ concurrency: 3, rangeBytes: 1 << 16 });
    await src.close();
    for (const directReads of [true, false]) {
      configureS3({ directReads });
      const r = await openCheckpointAt(prefix);
      const index = r.bytesRead;
      const got = await r.getAll();
      for (const [n, t] of tensors) expect(got.get(n)).toEqual(t);
      // Byte-minimal: the index once, then every tensor's bytes once.
      expect(r.bytesRead).toBe(index + tensors.reduce((a, [, t]) => a + (t.data as Float32Array).byteLength, 0));
      await r.close();
    }
  });

  it('uploads a big object in parts, lists, removes; an aborted upload leaves nothing', async () => {
    useServer(s3, CREDS, { partBytes: 5 << 20, uploadConcurrency: 3 });
    const store = resolveStore('s3://x/y');
    const big = new Uint8Array((17 << 20) + 12345);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    const loc = `s3://${s3.bucket}/multi/big.bin`;
    const sink = await store.create(loc);
    for (let i = 0; i < big.length; i += 3 << 20) await sink.write(big.subarray(i, i + (3 << 20)));
    expect(await store.exists(loc)).toBe(false);
    await sink.commit();
    const src = await store.open(loc);
    expect(src.size).toBe(big.length);
    const back = await src.read(0, big.length);
    expect(Buffer.compare(back, big)).toBe(0);
    expect([...(await src.read(4096 * 300, 3))]).toEqual([300 & 0xff, 0, 0]);

    const aborted = await store.create(`s3://${s3.bucket}/multi/aborted.bin`);
    await aborted.write(big.subarray(0, 11 << 20));
    await aborted.abort();
    expect(await store.list(`s3://${s3.bucket}/multi`)).toEqual([loc]);
    await store.remove(loc);
    expect(await store.exists(loc)).toBe(false);
    expect(await store.list(`s3://${s3.bucket}/multi/`)).toEqual([]);
  });

  it('a missing object is NOT_FOUND naming its URL', async () => {
    useServer(s3);
    await expect(openCheckpointAt(`s3://${s3.bucket}/none/model.ckpt`)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/HTTP 404.*none\/model\.ckpt\.index/),
    });
  });

  it('a wrong secret is a 403 naming the URL, not a retry loop', async () => {
    useServer(s3, { accessKey: CREDS.accessKey, secretKey: 'wrong' });
    const t0 = Date.now();
    await expect(openCheckpointAt(`s3://${s3.bucket}/lazy/model.ckpt`)).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(/HTTP 403.*access denied.*lazy\/model\.ckpt\.index/s),
    });
    expect(Date.now() - t0).toBeLessThan(5000);
    useServer(s3);
  });

  it('works anonymously against a server without identities', async () => {
    const anon: Seaweed = await startSeaweed({ bucket: 'public' });
    try {
      useServer(anon, { accessKey: '', secretKey: '' });
      const exp = expected('saver');
      const from = fixture('saver');
      for (const f of readdirSync(from)) {
        await put(`s3://public/ckpt/${f}`, new Uint8Array(readFileSync(join(from, f))));
      }
      const r = await openCheckpointAt(`s3://public/ckpt/${exp.prefix}`);
      const got: Record<string, JsonTensor> = {};
      for (const [n, t] of await r.getAll()) got[n] = tensorToJson(t);
      expect(got).toEqual(exp.tensors);
      await r.close();

      // The server stops mid-upload: the next part or the commit fails with an error naming the URL, in bounded time.
      useServer(anon, { accessKey: '', secretKey: '' }, { partBytes: 5 << 20, timeoutMs: 3000, attempts: 3 });
      const loc = 's3://public/ckpt/cut.bin';
      const sink = await resolveStore(loc).create(loc);
      await sink.write(new Uint8Array(6 << 20));
      await anon.kill();
      const t0 = Date.now();
      const err = await (async () => {
        await sink.write(new Uint8Array(6 << 20));
        await sink.commit();
      })().catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'BundleError', message: expect.stringContaining('/public/ckpt/cut.bin') });
      expect(Date.now() - t0).toBeLessThan(30_000);
      await sink.abort();
    } finally {
      await anon.stop();
      useServer(s3);
    }
  });

  it('a server that never answers is a timeout naming the URL', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const server: Server = createServer(() => {}); // accepts and never answers
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      configureS3({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 500, attempts: 2 });
      await expect(openCheckpointAt('s3://slow/model.ckpt')).rejects.toMatchObject({
        code: 'IO',
        message: expect.stringMatching(
          /HEAD http:\/\/127\.0\.0\.1:\d+\/slow\/model\.ckpt\.index: no answer within 500 ms/,
        ),
      });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
      useServer(s3);
    }
  });

  it('refuses bad options with a typed error', () => {
    expect(() => configureS3({ endpoint: 'not a url' })).toThrow(/bad S3 options/);
    expect(() => configureS3({ partBytes: 1024 })).toThrow(/bad S3 options/);
    expect(() => configureS3({ readRangeBytes: 4096 })).toThrow(/bad S3 options/);
    expect(() => configureS3({ readConcurrency: 0 })).toThrow(/bad S3 options/);
  });
});
