// The s3 store's direct ranged reads (socket-get.ts: the body read by the kernel straight into the tensor) against
// small node:http servers that misbehave on purpose: a chunked answer (the store falls back to fetch), a connection cut
// mid-body (retried), a wrong Content-Length, a server that ignores Range, an error status with an S3 error body, a
// body that stalls; and a full restore joining neighbouring tensors into few GETs. The well-behaved path against a real server is in s3.test.ts. About 3 s.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleWriter, configureS3, openCheckpointAt, resolveStore, type Tensor } from '@tensorgraft/bundle-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Mode = 'plain' | 'chunked' | 'cut-once' | 'short-length' | 'ignore-range' | 'denied' | 'stall';

const OBJECT = new Uint8Array(3 << 20).map((_, i) => (i * 2654435761) >>> 24);
let mode: Mode = 'plain';
let gets = 0;
let server: Server;
const sockets = new Set<Socket>();

/** Other objects by path (a checkpoint's files), served plainly; GETs of each counted. */
const files = new Map<string, Uint8Array>();
const fileGets = new Map<string, number>();

function answer(req: IncomingMessage, res: ServerResponse): void {
  const file = files.get(req.url ?? '');
  if (file) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (req.method === 'GET') fileGets.set(req.url!, (fileGets.get(req.url!) ?? 0) + 1);
    const body = m ? file.subarray(Number(m[1]), Number(m[2]) + 1) : file;
    res.writeHead(m ? 206 : 200, { 'content-length': req.method === 'HEAD' ? file.length : body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-length': OBJECT.length }).end();
    return;
  }
  gets++;
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const [a, b] = m ? [Number(m[1]), Number(m[2]) + 1] : [0, OBJECT.length];
  const body = OBJECT.subarray(a, b);
  switch (mode) {
    case 'chunked':
      res.writeHead(206, { 'transfer-encoding': 'chunked' });
      res.write(body.subarray(0, 1000));
      res.end(body.subarray(1000));
      return;
    case 'cut-once':
      if (gets === 1) {
        res.writeHead(206, { 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1), () => req.socket.destroy());
        return;
      }
      break;
    case 'short-length':
      res.writeHead(206, { 'content-length': body.length - 1 }).end(body.subarray(1));
      return;
    case 'ignore-range':
      res.writeHead(200, { 'content-length': OBJECT.length }).end(OBJECT);
      return;
    case 'denied': {
      const xml = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>';
      res.writeHead(403, { 'content-length': Buffer.byteLength(xml) }).end(xml);
      return;
    }
    case 'stall':
      res.writeHead(206, { 'content-length': body.length });
      res.write(body.subarray(0, 10)); // and nothing more
      return;
  }
  res.writeHead(206, { 'content-length': body.length }).end(body);
}

beforeAll(async () => {
  server = createServer(answer);
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

async function readRange(next: Mode, offset: number, length: number, extra: object = {}): Promise<Uint8Array> {
  mode = next;
  gets = 0;
  configureS3({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pathStyle: true,
    accessKeyId: '',
    secretAccessKey: '',
    attempts: 3,
    timeoutMs: 2000,
    directReads: true,
    ...extra,
  });
  const src = await resolveStore('s3://b/obj.bin').open('s3://b/obj.bin');
  return src.read(offset, length);
}

describe('s3 direct ranged reads against misbehaving servers', () => {
  it('reads a range exactly', async () => {
    const got = await readRange('plain', 12345, 1 << 20);
    expect(Buffer.compare(got, OBJECT.subarray(12345, 12345 + (1 << 20)))).toBe(0);
    expect(gets).toBe(1);
  });

  it('a chunked answer is asked again through fetch, with the same bytes', async () => {
    const got = await readRange('chunked', 777, 200_000);
    expect(Buffer.compare(got, OBJECT.subarray(777, 200_777))).toBe(0);
    expect(gets).toBe(2); // once directly (refused), once through fetch
  });

  it('a connection cut mid-body is retried and the range comes out whole', async () => {
    const got = await readRange('cut-once', 1 << 20, 1 << 21);
    expect(Buffer.compare(got, OBJECT.subarray(1 << 20, 3 << 20))).toBe(0);
    expect(gets).toBe(2);
  });

  it('a Content-Length other than the range asked for is an IO error naming the URL and offset', async () => {
    await expect(readRange('short-length', 100, 5000)).rejects.toMatchObject({
      name: 'BundleError',
      code: 'IO',
      offset: 100,
      message: expect.stringMatching(/GET http:\/\/127\.0\.0\.1:\d+\/b\/obj\.bin: answered 4999 \(asked for 5000/),
    });
  });

  it('a server that ignores Range is an error, not a silent full download per read', async () => {
    await expect(readRange('ignore-range', 100, 5000)).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringContaining('server ignored the Range header'),
    });
  });

  it("a 403 carries S3's error code from the body and is not retried", async () => {
    await expect(readRange('denied', 0, 10)).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(
        /GET http:\/\/127\.0\.0\.1:\d+\/b\/obj\.bin: HTTP 403 AccessDenied \(access denied/,
      ),
    });
    expect(gets).toBe(1);
  });

  it('a full restore joins neighbouring tensors into one GET per aligned 64 KiB window, each landing in place', async () => {
    // 40 small tensors of 1..5 KiB, then one of 200 KiB: side by side in the data file.
    const tensors: [string, Tensor][] = [];
    let x = 7;
    for (let i = 0; i < 41; i++) {
      const n = i === 40 ? 51_200 : 256 * (1 + (i % 5));
      const data = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        x = (x * 1103515245 + 12345) >>> 0;
        data[k] = x / 2 ** 32;
      }
      tensors.push([`layer${String(i).padStart(2, '0')}/w`, { dtype: 'float32', shape: [n], data }]);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tg-s3-direct-'));
    try {
      const w = new BundleWriter(join(dir, 'model.ckpt'));
      for (const [n, t] of tensors) w.add(n, t);
      w.finish();
      for (const f of ['model.ckpt.index', 'model.ckpt.data-00000-of-00001']) {
        files.set(`/b/ckpt/${f}`, new Uint8Array(readFileSync(join(dir, f))));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const data = files.get('/b/ckpt/model.ckpt.data-00000-of-00001')!;
    await readRange('plain', 0, 1); // configures the store for this server
    fileGets.clear();
    const r = await openCheckpointAt('s3://b/ckpt/model.ckpt', { concurrency: 2, chunkBytes: 1 << 16 });
    const got = await r.getAll();
    for (const [n, t] of tensors) expect(got.get(n)).toEqual(t);
    expect(fileGets.get('/b/ckpt/model.ckpt.data-00000-of-00001')).toBe(Math.ceil(data.length / (1 << 16)));
    await r.close();
  });

  it('a body that stalls is a timeout naming the URL', async () => {
    const t0 = Date.now();
    await expect(readRange('stall', 0, 100_000, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(/GET http:\/\/127\.0\.0\.1:\d+\/b\/obj\.bin: no answer within 300 ms/),
    });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
