// A small static file server for tests, with HTTP Range support (single ranges, as browsers and our reader send) and
// a few misbehaving paths: /no-range/ ignores Range, /forbidden/ answers 403, /broken/ answers 503, /slow/ never
// answers. It counts the body bytes it sends, so tests can check what a reader really fetched.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface RangeServer {
  url: string;
  bytesSent: () => number;
  close: () => Promise<void>;
}

export async function startRangeServer(root: string): Promise<RangeServer> {
  let sent = 0;
  const server: Server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const mode = /^\/(no-range|forbidden|broken|slow)\//.exec(path)?.[1];
    if (mode) path = path.slice(mode.length + 1);
    if (mode === 'slow') return; // never answers: the client's timeout fires
    if (mode === 'forbidden' || mode === 'broken') {
      res.writeHead(mode === 'forbidden' ? 403 : 503).end();
      return;
    }
    const file = join(root, normalize(path));
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const range = mode === 'no-range' ? undefined : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
    if (mode !== 'no-range') headers['accept-ranges'] = 'bytes';
    let status = 200;
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || end < start) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    sent += end - start + 1;
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bytesSent: () => sent,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
