// `s3://bucket/key` on any S3-compatible server (AWS, MinIO, SeaweedFS, R2, GCS's interop endpoint), signed with
// aws4fetch (SigV4 over fetch). Reads: HEAD for the size, then ranged GETs (several in flight from the readers). Writes:
// one PUT for a small object, a multipart upload for a big one; the object appears only when the upload completes, so
// a killed writer leaves nothing a reader sees (an unfinished multipart upload is not an object). Every request has a
// timeout; 5xx, 429 and dropped connections are retried with backoff; failures are BundleErrors naming the URL and
// the HTTP status.
import { AwsClient } from 'aws4fetch';
import { z } from 'zod';
import { BundleError, type BundleErrorCode } from '../errors.js';
import { bodyInto } from './response-body.js';
import { getInto, NotPlainBody } from './socket-get.js';
import { type AsyncByteSource, registerStore, type Store, type WriteSink } from './types.js';

export const S3OptionsSchema = z
  .object({
    /** `http://127.0.0.1:8333`; default from TENSORGRAFT_S3_ENDPOINT or AWS_ENDPOINT_URL, else AWS's regional one. */
    endpoint: z.url().optional(),
    region: z.string().min(1).optional(),
    /** `endpoint/bucket/key` rather than `bucket.endpoint/key`; default: true with a custom endpoint. */
    pathStyle: z.boolean().optional(),
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    sessionToken: z.string().optional(),
    /** Per-request timeout (default 60 s; TENSORGRAFT_S3_TIMEOUT_MS). */
    timeoutMs: z.number().int().positive().optional(),
    /** Attempts per request for 5xx / 429 / dropped connections (default 4). */
    attempts: z.number().int().min(1).max(20).optional(),
    /** Multipart part size (default 16 MiB; at least 5 MiB, S3's minimum). */
    partBytes: z
      .number()
      .int()
      .min(5 << 20)
      .optional(),
    /** Parts uploading at once (default 4). */
    uploadConcurrency: z.number().int().min(1).max(64).optional(),
    /** Ranged GETs in flight in a full restore (getAll) when the reader is not told otherwise: 4 on http://, 8 on https://. */
    readConcurrency: z.number().int().min(1).max(64).optional(),
    /** Bytes per ranged GET in a full restore (default 16 MiB; at least 64 KiB). */
    readRangeBytes: z
      .number()
      .int()
      .min(1 << 16)
      .optional(),
    /**
     * On an http:// endpoint, read ranged GET bodies straight into the tensors over a plain socket (default true);
     * false sends them through fetch like every other request.
     */
    directReads: z.boolean().optional(),
  })
  .strict();

export type S3Options = z.infer<typeof S3OptionsSchema>;

let configured: S3Options = {};
let resolved: Promise<Resolved> | undefined;

/** Sets S3 options for every s3:// location of this process (validated; merged over earlier calls and the env). */
export function configureS3(options: S3Options): void {
  const parsed = S3OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new BundleError('INVALID_ARGUMENT', `bad S3 options: ${z.prettifyError(parsed.error)}`);
  }
  configured = { ...configured, ...parsed.data };
  resolved = undefined;
}

interface Resolved {
  endpoint: string | undefined;
  region: string;
  pathStyle: boolean;
  client: AwsClient | undefined;
  timeoutMs: number;
  attempts: number;
  partBytes: number;
  uploadConcurrency: number;
  readConcurrency: number;
  readRangeBytes: number;
  /** Ranged GETs go through socket-get.ts (an http:// endpoint, directReads not off, no answer it could not take). */
  directReads: boolean;
}

const env = (): Record<string, string | undefined> => (typeof process === 'undefined' ? {} : process.env);

/** Key pairs of `[profile]` in an AWS credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials). */
async function profileCredentials(profile: string): Promise<Record<string, string> | undefined> {
  if (typeof process === 'undefined') return undefined;
  const { readFile } = await import('node:fs/promises');
  const { homedir } = await import('node:os');
  const file = env().AWS_SHARED_CREDENTIALS_FILE ?? `${homedir()}/.aws/credentials`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let section: string | undefined;
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const head = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (head) section = head[1]!.trim();
    else if (section === profile) {
      const kv = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (kv) out[kv[1]!.toLowerCase()] = kv[2]!;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

async function resolve(): Promise<Resolved> {
  const e = env();
  const o = configured;
  const endpoint = (o.endpoint ?? e.TENSORGRAFT_S3_ENDPOINT ?? e.AWS_ENDPOINT_URL)?.replace(/\/+$/, '');
  const region = o.region ?? e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1';
  const pathEnv = e.TENSORGRAFT_S3_PATH_STYLE;
  const pathStyle = o.pathStyle ?? (pathEnv !== undefined ? pathEnv === '1' || pathEnv === 'true' : !!endpoint);
  let accessKeyId = o.accessKeyId ?? e.AWS_ACCESS_KEY_ID;
  let secretAccessKey = o.secretAccessKey ?? e.AWS_SECRET_ACCESS_KEY;
  let sessionToken = o.sessionToken ?? e.AWS_SESSION_TOKEN;
  if (!accessKeyId || !secretAccessKey) {
    const p = await profileCredentials(e.AWS_PROFILE ?? 'default');
    accessKeyId = p?.aws_access_key_id;
    secretAccessKey = p?.aws_secret_access_key;
    sessionToken = p?.aws_session_token;
  }
  const client =
    accessKeyId && secretAccessKey
      ? new AwsClient({
          accessKeyId,
          secretAccessKey,
          ...(sessionToken ? { sessionToken } : {}),
          region,
          service: 's3',
          retries: 0,
        })
      : undefined; // anonymous: unsigned requests (public buckets, servers without identities)
  return {
    endpoint,
    region,
    pathStyle,
    client,
    timeoutMs: o.timeoutMs ?? (Number(e.TENSORGRAFT_S3_TIMEOUT_MS) || 60_000),
    attempts: o.attempts ?? 4,
    partBytes: o.partBytes ?? 16 << 20,
    uploadConcurrency: o.uploadConcurrency ?? 4,
    // 4 on http://: SeaweedFS on loopback, 2 shared cores, 16 MiB GETs, two bench runs: 1 in flight 1391 / 2378 ms,
    // 2: 1309 / 1992, 4: 1236 / 1734, 8: 1424 / 1940 (bench/src/storage.ts sweeps it). 8 hides https round trips.
    readConcurrency: o.readConcurrency ?? (endpoint?.startsWith('http:') ? 4 : 8),
    readRangeBytes: o.readRangeBytes ?? 16 << 20,
    directReads: (o.directReads ?? true) && !!endpoint?.startsWith('http:'),
  };
}

function config(): Promise<Resolved> {
  resolved ??= resolve();
  return resolved;
}

/** `s3://bucket/key` -> bucket and key (INVALID_ARGUMENT when there is no bucket). */
export function parseS3(location: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(location);
  if (!m) throw new BundleError('INVALID_ARGUMENT', 'not an s3://bucket/key location', { path: location });
  return { bucket: m[1]!, key: m[2]! };
}

function objectUrl(c: Resolved, bucket: string, key: string): string {
  const k = key.split('/').map(encodeURIComponent).join('/');
  if (c.endpoint) {
    if (c.pathStyle) return `${c.endpoint}/${bucket}/${k}`;
    const u = new URL(c.endpoint);
    return `${u.protocol}//${bucket}.${u.host}/${k}`;
  }
  return c.pathStyle
    ? `https://s3.${c.region}.amazonaws.com/${bucket}/${k}`
    : `https://${bucket}.s3.${c.region}.amazonaws.com/${k}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusError(location: string, url: string, method: string, status: number, body: string): BundleError {
  const code: BundleErrorCode = status === 404 ? 'NOT_FOUND' : 'IO';
  const s3code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const why = status === 403 ? ' (access denied: check the credentials)' : '';
  return new BundleError(code, `${method} ${url}: HTTP ${status}${s3code ? ` ${s3code}` : ''}${why}`, {
    path: location,
  });
}

/** What one attempt at a request came to: its result, or a status outside the ones asked for (and its body). */
type Attempt<T> = { ok: true; value: T } | { ok: false; status: number; body: string };

/** An error whose name says a per-attempt timeout fired (fetch's abort or socket-get's timer). */
function timeoutError(cause?: unknown): Error {
  const err = new Error('timeout', cause === undefined ? undefined : { cause });
  err.name = 'TimeoutError';
  return err;
}

/**
 * Runs `attempt` up to `attempts` times with exponential backoff: retried on 5xx, 429 and network errors (anything
 * thrown that is not a BundleError or NotPlainBody). Other statuses and a timeout are BundleErrors naming the URL.
 */
async function withRetries<T>(
  location: string,
  method: string,
  url: string,
  attempt: (timeoutMs: number) => Promise<Attempt<T>>,
): Promise<T> {
  const c = await config();
  let lastErr: unknown;
  for (let i = 0; i < c.attempts; i++) {
    if (i) await sleep(Math.min(2000, 100 * 2 ** (i - 1)) * (0.5 + Math.random()));
    let out: Attempt<T>;
    try {
      out = await attempt(c.timeoutMs);
    } catch (err) {
      if (err instanceof BundleError || err instanceof NotPlainBody) throw err;
      if ((err as Error).name === 'TimeoutError') {
        throw new BundleError('IO', `${method} ${url}: no answer within ${c.timeoutMs} ms`, {
          path: location,
          cause: err,
        });
      }
      lastErr = err;
      continue; // connection refused, reset or cut short: retry
    }
    if (out.ok) return out.value;
    lastErr = statusError(location, url, method, out.status, out.body);
    if (out.status < 500 && out.status !== 429) throw lastErr;
  }
  if (lastErr instanceof BundleError) throw lastErr;
  const cause = (lastErr as { cause?: { code?: string; message?: string } })?.cause;
  throw new BundleError(
    'IO',
    `${method} ${url}: ${cause?.code ?? cause?.message ?? (lastErr as Error)?.message ?? 'failed'} after ${c.attempts} attempts`,
    { path: location, cause: lastErr },
  );
}

/** One S3 request through fetch (signed when there are credentials); resolves with the response for `ok` statuses. */
async function send(
  location: string,
  method: string,
  url: string,
  init: { headers?: Record<string, string>; body?: Uint8Array | string; ok?: number[] } = {},
): Promise<Response> {
  const c = await config();
  const ok = init.ok ?? [200];
  return withRetries(location, method, url, async (timeoutMs) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const req: RequestInit = { method, headers: init.headers ?? {}, signal };
    if (init.body !== undefined) req.body = init.body as unknown as string;
    let res: Response;
    try {
      res = c.client ? await c.client.fetch(url, req) : await fetch(url, req);
    } catch (err) {
      // The timeout may surface as a TimeoutError or, when it fires while connecting, as fetch's TypeError.
      throw signal.aborted ? timeoutError(err) : err;
    }
    if (ok.includes(res.status)) return { ok: true, value: res };
    return { ok: false, status: res.status, body: await res.text().catch(() => '') };
  });
}

/** The headers of a signed GET (aws4fetch's SigV4: x-amz-date, x-amz-content-sha256, authorization, ...). */
async function signedHeaders(client: AwsClient, url: string, headers: Record<string, string>) {
  const req = await client.sign(url, { method: 'GET', headers });
  return Object.fromEntries(req.headers);
}

/**
 * A ranged GET whose body the kernel reads straight into `targets`, one after the other (socket-get.ts); NotPlainBody
 * if it cannot.
 */
async function directRangeInto(
  location: string,
  url: string,
  offset: number,
  targets: readonly Uint8Array[],
): Promise<void> {
  const c = await config();
  const length = targets.reduce((a, t) => a + t.length, 0);
  const range = `bytes=${offset}-${offset + length - 1}`;
  const u = new URL(url);
  const ok = [206, 200];
  await withRetries(location, 'GET', url, async (timeoutMs) => {
    // Signed anew per attempt: x-amz-date must be fresh. Costs a few tens of µs (the bench prints it).
    const headers = c.client ? await signedHeaders(c.client, url, { range }) : { range };
    const a = await getInto(u, headers, targets, ok, timeoutMs);
    if (!ok.includes(a.status)) return { ok: false, status: a.status, body: a.errorBody };
    if (!a.filled) {
      const why = a.status === 200 ? 'server ignored the Range header' : `answered ${a.headers.get('content-length')}`;
      throw new BundleError('IO', `GET ${url}: ${why} (asked for ${length} bytes)`, { path: location, offset });
    }
    return { ok: true, value: undefined };
  });
}

async function openSource(location: string): Promise<AsyncByteSource> {
  const { bucket, key } = parseS3(location);
  const c = await config();
  const url = objectUrl(c, bucket, key);
  const head = await send(location, 'HEAD', url);
  const size = Number(head.headers.get('content-length'));
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new BundleError('IO', `HEAD ${url}: no Content-Length`, { path: location });
  }
  let bytesRead = 0;
  const checkRange = (offset: number, length: number) => {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > size) {
      throw new BundleError('TRUNCATED', `read of ${length} bytes at ${offset} runs past the end (${size})`, {
        path: location,
        offset,
      });
    }
  };
  /** One GET straight into the targets when the endpoint allows; false when the caller must use fetch. */
  const direct = async (offset: number, targets: readonly Uint8Array[], length: number): Promise<boolean> => {
    if (!c.directReads) return false;
    try {
      await directRangeInto(location, url, offset, targets);
      bytesRead += length;
      return true;
    } catch (err) {
      if (!(err instanceof NotPlainBody)) throw err;
      c.directReads = false; // this server answers in a way socket-get does not take: fetch from now on
      return false;
    }
  };
  const readInto = async (offset: number, target: Uint8Array): Promise<void> => {
    checkRange(offset, target.length);
    if (target.length === 0 || (await direct(offset, [target], target.length))) return;
    const range = `bytes=${offset}-${offset + target.length - 1}`;
    const res = await send(location, 'GET', url, { headers: { range }, ok: [206, 200] });
    if (res.status === 200 && target.length !== size) {
      await res.body?.cancel();
      throw new BundleError('IO', `GET ${url}: server ignored the Range header`, { path: location, offset });
    }
    await bodyInto(res, target, location, offset);
    bytesRead += target.length;
  };
  return {
    location,
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
    async readIntoScattered(offset, targets) {
      const length = targets.reduce((a, t) => a + t.length, 0);
      checkRange(offset, length);
      if (length === 0 || (await direct(offset, targets, length))) return;
      const reads: Promise<void>[] = [];
      let at = offset;
      for (const t of targets) {
        reads.push(readInto(at, t));
        at += t.length;
      }
      await Promise.all(reads);
    },
    preferredReads: { concurrency: c.readConcurrency, rangeBytes: c.readRangeBytes },
    async close() {},
  };
}

const xmlText = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Buffers parts; one PUT at commit if the object stayed under a part, else a multipart upload. */
async function createSink(location: string): Promise<WriteSink> {
  const { bucket, key } = parseS3(location);
  const c = await config();
  const url = objectUrl(c, bucket, key);
  let buffer = new Uint8Array(c.partBytes);
  let filled = 0;
  let uploadId: string | undefined;
  const etags: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failed: unknown;
  let finished = false;

  const startUpload = async (): Promise<string> => {
    const res = await send(location, 'POST', `${url}?uploads`);
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(await res.text())?.[1];
    if (!id) throw new BundleError('IO', `POST ${url}?uploads: no UploadId in the answer`, { path: location });
    return xmlText(id);
  };
  const uploadPart = (part: Uint8Array): Promise<void> => {
    const n = etags.length + 1;
    etags.push('');
    const p = (async () => {
      uploadId ??= await startUpload();
      const q = `partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`;
      const res = await send(location, 'PUT', `${url}?${q}`, { body: part });
      const etag = res.headers.get('etag');
      if (!etag) throw new BundleError('IO', `PUT ${url}?${q}: no ETag`, { path: location });
      etags[n - 1] = etag;
    })();
    const tracked = p.catch((err) => {
      failed ??= err;
    });
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
    return tracked;
  };
  const check = () => {
    if (failed) throw failed;
    if (finished) throw new BundleError('IO', 'write after commit or abort', { path: location });
  };
  return {
    location,
    async write(chunk) {
      check();
      let done = 0;
      while (done < chunk.length) {
        const n = Math.min(chunk.length - done, buffer.length - filled);
        buffer.set(chunk.subarray(done, done + n), filled);
        filled += n;
        done += n;
        if (filled === buffer.length) {
          // The first part must wait for the upload id; later parts go up to `uploadConcurrency` at once.
          const first = uploadId === undefined && etags.length === 0;
          const p = uploadPart(buffer);
          buffer = new Uint8Array(c.partBytes);
          filled = 0;
          if (first) await p;
          while (inFlight.size >= c.uploadConcurrency) await Promise.race(inFlight);
          check();
        }
      }
    },
    async commit() {
      check();
      if (etags.length === 0) {
        await send(location, 'PUT', url, { body: buffer.subarray(0, filled) });
        finished = true;
        return;
      }
      if (filled > 0) uploadPart(buffer.subarray(0, filled));
      await Promise.all(inFlight);
      check();
      const parts = etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(e)}</ETag></Part>`);
      const body = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
      const q = `uploadId=${encodeURIComponent(uploadId!)}`;
      const res = await send(location, 'POST', `${url}?${q}`, { body });
      // S3 may answer 200 with an <Error> body when completing fails.
      const text = await res.text();
      if (/<Error>/.test(text)) throw statusError(location, `${url}?${q}`, 'POST', 500, text);
      finished = true;
    },
    async abort() {
      finished = true;
      await Promise.allSettled(inFlight);
      if (uploadId) {
        await send(location, 'DELETE', `${url}?uploadId=${encodeURIComponent(uploadId)}`, {
          ok: [200, 204, 404],
        }).catch(() => undefined);
      }
    },
  };
}

async function list(prefix: string): Promise<string[]> {
  const { bucket, key } = parseS3(prefix);
  const c = await config();
  const dir = key === '' || key.endsWith('/') ? key : `${key}/`;
  const base = objectUrl(c, bucket, '').replace(/\/$/, '');
  const out: string[] = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ 'list-type': '2', delimiter: '/', prefix: dir });
    if (token) q.set('continuation-token', token);
    const res = await send(prefix, 'GET', `${base}/?${q.toString().replace(/\+/g, '%20')}`);
    const text = await res.text();
    for (const m of text.matchAll(/<Contents>[\s\S]*?<Key>([^<]*)<\/Key>[\s\S]*?<\/Contents>/g)) {
      out.push(`s3://${bucket}/${xmlText(m[1]!)}`);
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(text)
      ? xmlText(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(text)?.[1] ?? '')
      : undefined;
  } while (token);
  return out.sort();
}

export const s3Store: Store = {
  scheme: 's3',
  writable: true,
  open: openSource,
  create: createSink,
  async exists(location) {
    const { bucket, key } = parseS3(location);
    const res = await send(location, 'HEAD', objectUrl(await config(), bucket, key), { ok: [200, 404] });
    return res.status === 200;
  },
  list,
  async remove(location) {
    const { bucket, key } = parseS3(location);
    await send(location, 'DELETE', objectUrl(await config(), bucket, key), { ok: [200, 204, 404] });
  },
};

/** Creates the bucket of an s3:// location (tests and first-time setup); an existing one of yours is fine. */
export async function createBucket(location: string): Promise<void> {
  const { bucket } = parseS3(location);
  const url = objectUrl(await config(), bucket, '').replace(/\/$/, '');
  await send(location, 'PUT', url, { ok: [200, 409] });
}

registerStore(s3Store);
