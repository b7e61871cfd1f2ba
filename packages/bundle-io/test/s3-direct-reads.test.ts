// The s3 store's direct ranged reads (socket-get.ts: the body read by the kernel straight into the tensor) against
// small node:http servers that misbehave on purpose: a chunked answer (the store falls back to fetch), a connection cut
// mid-body (retried), a wrong Content-Length, a server that ignores Range, an error status with an S3 error body, a
// body that stalls. The well-behaved path against a real server is in s3.test.ts. About 3 s.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { configureS3, resolveStore } from '@tensorgraft/bundle-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Mode = 'plain' | 'chunked' | 'cut-once' | 'short-length' | 'ignore-range' | 'denied' | 'stall';

const OBJECT = new Uint8Array(3 << 20).map((_, i) => (i * 2654435761) >>> 24);
let mode: Mode = 'plain';
let gets = 0;
let server: Server;
const sockets = new Set<Socket>();

function answer(req: IncomingMessage, res: ServerResponse): void {
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

  it('a body that stalls is a timeout naming the URL', async () => {
    const t0 = Date.now();
    await expect(readRange('stall', 0, 100_000, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(/GET http:\/\/127\.0\.0\.1:\d+\/b\/obj\.bin: no answer within 300 ms/),
    });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
