// `http://` and `https://` locations, read-only, over the global fetch (Node's and the browser's): HEAD (or, when the
// server refuses HEAD, a one-byte ranged GET) for the size, then one Range GET per read. A server that ignores Range
// would send the whole object for every read, so that is an error rather than a silent slowdown. Every request has a
// timeout; 5xx, 429 and dropped connections are retried with backoff. Failures are BundleErrors naming the URL, the
// offset and the HTTP status. No Node built-ins here.
import { BundleError, type BundleErrorCode } from '../errors.js';
import { bodyInto } from './response-body.js';
import { type AsyncByteSource, registerStore, type Store, type WriteSink } from './types.js';

export interface HttpOptions {
  /** Per-request timeout in ms (default 60 s). */
  timeoutMs?: number;
  /** Attempts per request for 5xx / 429 / dropped connections (default 3). */
  attempts?: number;
  /** Extra request headers (an Authorization token, say). */
  headers?: Record<string, string>;
}

let options: Required<HttpOptions> = { timeoutMs: 60_000, attempts: 3, headers: {} };

/** Sets options for every http(s):// location of this process (merged over earlier calls). */
export function configureHttp(next: HttpOptions): void {
  if (next.timeoutMs !== undefined && !(Number.isInteger(next.timeoutMs) && next.timeoutMs > 0)) {
    throw new BundleError('INVALID_ARGUMENT', `timeoutMs must be a positive integer, not ${next.timeoutMs}`);
  }
  if (next.attempts !== undefined && !(Number.isInteger(next.attempts) && next.attempts >= 1)) {
    throw new BundleError('INVALID_ARGUMENT', `attempts must be an integer >= 1, not ${next.attempts}`);
  }
  options = { ...options, ...next, headers: { ...options.headers, ...next.headers } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusError(url: string, method: string, status: number, offset?: number): BundleError {
  const code: BundleErrorCode = status === 404 || status === 410 ? 'NOT_FOUND' : status === 416 ? 'TRUNCATED' : 'IO';
  const why =
    status === 403 || status === 401
      ? ' (access denied)'
      : status === 416
        ? ' (range not satisfiable: the object is shorter than expected)'
        : '';
  return new BundleError(code, `${method} ${url}: HTTP ${status}${why}`, { path: url, offset });
}

/** One request with a timeout per attempt; 5xx, 429 and network errors are retried. Other statuses throw. */
async function send(
  url: string,
  method: 'GET' | 'HEAD',
  ok: number[],
  headers: Record<string, string> = {},
  offset?: number,
): Promise<Response> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (attempt) await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...options.headers, ...headers },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new BundleError('IO', `${method} ${url}: no answer within ${options.timeoutMs} ms`, {
          path: url,
          offset,
          cause: err,
        });
      }
      lastErr = err;
      continue; // connection refused or reset: retry
    }
    if (ok.includes(res.status)) return res;
    await res.body?.cancel().catch(() => {});
    lastErr = statusError(url, method, res.status, offset);
    if (res.status >= 500 || res.status === 429) continue;
    throw lastErr;
  }
  if (lastErr instanceof BundleError) throw lastErr;
  const cause = (lastErr as { cause?: { code?: string; message?: string } })?.cause;
  const what = cause?.code ?? cause?.message ?? (lastErr as Error)?.message ?? 'failed';
  throw new BundleError('IO', `${method} ${url}: ${what} after ${options.attempts} attempts`, {
    path: url,
    offset,
    cause: lastErr,
  });
}

/** The object's size: Content-Length of a HEAD, else the total in a one-byte ranged GET's Content-Range. */
async function sizeOf(url: string): Promise<number> {
  const head = await send(url, 'HEAD', [200, 405, 501]);
  const length = Number(head.headers.get('content-length') ?? Number.NaN);
  if (head.status === 200 && Number.isSafeInteger(length) && length >= 0) {
    if (head.headers.get('accept-ranges')?.toLowerCase() === 'none') throw noRanges(url);
    return length;
  }
  const probe = await send(url, 'GET', [206, 200, 416], { range: 'bytes=0-0' });
  await probe.body?.cancel().catch(() => {});
  if (probe.status === 200) throw noRanges(url);
  const total = /\/(\d+)\s*$/.exec(probe.headers.get('content-range') ?? '')?.[1];
  if (total === undefined) throw new BundleError('IO', `GET ${url}: no size in Content-Range`, { path: url });
  return Number(total);
}

const noRanges = (url: string, offset?: number) =>
  new BundleError('UNSUPPORTED', `${url}: the server does not support HTTP Range requests, which reading needs`, {
    path: url,
    offset,
  });

async function openSource(url: string): Promise<AsyncByteSource> {
  const size = await sizeOf(url);
  let bytesRead = 0;
  const readInto = async (offset: number, target: Uint8Array): Promise<void> => {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + target.length > size) {
      throw new BundleError('TRUNCATED', `read of ${target.length} bytes at ${offset} runs past the end (${size})`, {
        path: url,
        offset,
      });
    }
    if (target.length === 0) return;
    const range = `bytes=${offset}-${offset + target.length - 1}`;
    const res = await send(url, 'GET', [206, 200], { range }, offset);
    if (res.status === 200) {
      await res.body?.cancel().catch(() => {});
      throw noRanges(url, offset);
    }
    const start = /^bytes\s+(\d+)-/i.exec(res.headers.get('content-range') ?? '')?.[1];
    if (start !== undefined && Number(start) !== offset) {
      await res.body?.cancel().catch(() => {});
      throw new BundleError('IO', `GET ${url}: asked for ${range}, got ${res.headers.get('content-range')}`, {
        path: url,
        offset,
      });
    }
    await bodyInto(res, target, url, offset);
    bytesRead += target.length;
  };
  return {
    location: url,
    size,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      const out = new Uint8Array(length);
      await readInto(offset, out);
      return out;
    },
    readInto,
    async close() {},
  };
}

const readOnly = (url: string, what: string): Promise<never> =>
  Promise.reject(
    new BundleError('UNSUPPORTED', `cannot ${what} ${url}: http(s) locations are read-only`, { path: url }),
  );

export const httpStore: Store = {
  scheme: 'http',
  writable: false,
  open: openSource,
  create: (url): Promise<WriteSink> => readOnly(url, 'write'),
  remove: (url) => readOnly(url, 'remove'),
  list: (url) => readOnly(url, 'list'),
  async exists(url) {
    try {
      await sizeOf(url);
      return true;
    } catch (err) {
      if (err instanceof BundleError && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  },
};

registerStore(httpStore);
