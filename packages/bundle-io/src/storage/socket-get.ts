// A GET over plain HTTP/1.1 whose body the kernel reads straight into the caller's buffer: the s3 store's ranged
// reads of a full restore on an http:// endpoint (loopback or LAN object stores). Node-only (node:net).
//
// Why not fetch or node:http: Node's fetch (undici) copies each body chunk out of its wasm parser into a new Buffer,
// then through a web stream, then we copy it again into the tensor; node:http hands out a fresh Buffer per socket read
// that we copy. Here the socket's reads target the destination itself (net's `onread` with a buffer per read), so the
// bytes are copied once, by the kernel, and no garbage is made. On the 2-core CI machine against SeaweedFS that was
// about 1.5x node:http's rate and 2x fetch's for the same ranges (bench/src/storage.ts prints all three).
//
// Scope, kept small on purpose: one request per connection (`Connection: close`), a response head of at most 64 KiB,
// and a body of exactly Content-Length bytes. An answer this cannot take (chunked, no Content-Length) rejects with
// NotPlainBody and the caller asks again through fetch. Statuses are the caller's business: a non-ok answer comes
// back with its first 64 KiB of body for the error message.
import { connect, type Socket } from 'node:net';

const MAX_HEAD = 64 << 10;

export interface SocketAnswer {
  status: number;
  /** Lower-cased header names. */
  headers: Map<string, string>;
  /** The body of a status outside `ok` (at most 64 KiB), for the error message; '' for ok statuses. */
  errorBody: string;
  /** For an ok status: whether its Content-Length equalled the targets' total length (then they are filled). */
  filled: boolean;
}

/** The answer was not a plain Content-Length body: ask again another way. */
export class NotPlainBody extends Error {
  override readonly name = 'NotPlainBody';
}

/** The connection closed before the body was complete (retryable, like a reset). */
export class ShortBody extends Error {
  override readonly name = 'ShortBody';
}

/**
 * Sends `GET url` with `headers` and, for a status in `ok` whose Content-Length is the targets' total length, reads the
 * body into `targets`, one after the other (a range that spans several tensors lands in each in turn). Rejects with
 * the socket's error, a TimeoutError after `timeoutMs` for the whole exchange, ShortBody, or NotPlainBody.
 */
export function getInto(
  url: URL,
  headers: Record<string, string>,
  targets: readonly Uint8Array[],
  ok: readonly number[],
  timeoutMs: number,
): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const total = targets.reduce((a, t) => a + t.length, 0);
    // The body's place: targets[part] from byte `within` on. Reads never span two targets (each read is given the
    // rest of the current one), so the cursor only moves forward.
    let part = 0;
    let within = 0;
    const advance = (n: number) => {
      within += n;
      while (part < targets.length && within === targets[part]!.length) {
        part++;
        within = 0;
      }
    };
    const place = (bytes: Uint8Array) => {
      let at = 0;
      while (at < bytes.length && part < targets.length) {
        const t = targets[part]!;
        const n = Math.min(bytes.length - at, t.length - within);
        t.set(bytes.subarray(at, at + n), within);
        at += n;
        advance(n);
      }
    };
    advance(0); // skips empty targets at the start
    const scratch = new Uint8Array(16 << 10);
    let head: Uint8Array = new Uint8Array(0);
    let answer: SocketAnswer | undefined;
    let bodyLength = 0;
    let got = 0;
    const errorBytes: Uint8Array[] = [];
    let settled = false;

    const finish = (err: Error | undefined, value?: SocketAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      err.name = 'TimeoutError';
      finish(err);
    }, timeoutMs);

    // Body bytes of an ok answer go into the targets; of an error answer, into a small list.
    const takeBody = (bytes: Uint8Array) => {
      if (!answer || bytes.length === 0) return;
      if (answer.filled) {
        place(bytes.subarray(0, bodyLength - got));
      } else {
        errorBytes.push(bytes.slice(0, Math.max(0, MAX_HEAD - got)));
      }
      got += bytes.length;
    };
    const doneIfComplete = () => {
      // An error body is cut at 64 KiB: the message needs its start only.
      if (!answer || (got < bodyLength && (answer.filled || got < MAX_HEAD))) return false;
      if (!answer.filled) answer.errorBody = new TextDecoder().decode(Buffer.concat(errorBytes));
      finish(undefined, answer);
      return true;
    };

    const onHead = (bytes: Uint8Array): boolean => {
      head = Buffer.concat([head, bytes]);
      const end = indexOfBlankLine(head);
      if (end < 0) {
        if (head.length > MAX_HEAD) finish(new NotPlainBody(`response head over ${MAX_HEAD} bytes`));
        return false;
      }
      const lines = new TextDecoder('latin1').decode(head.subarray(0, end)).split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
      if (!status) {
        finish(new NotPlainBody(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]?.slice(0, 80))}`));
        return true;
      }
      const h = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) h.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      const length = Number(h.get('content-length'));
      if (h.has('transfer-encoding') || !h.has('content-length') || !Number.isSafeInteger(length) || length < 0) {
        finish(new NotPlainBody('no plain Content-Length body'));
        return true;
      }
      const code = Number(status[1]);
      const isOk = ok.includes(code);
      answer = { status: code, headers: h, errorBody: '', filled: isOk && length === total };
      if (isOk && !answer.filled) {
        finish(undefined, answer); // the caller reports the length it did not expect
        return true;
      }
      bodyLength = length;
      takeBody(head.subarray(end + 4));
      return doneIfComplete();
    };

    const socket: Socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      // Each read goes where the next body bytes belong; the head (and an error body) into a scratch buffer.
      onread: {
        buffer: () => (answer?.filled && part < targets.length ? targets[part]!.subarray(within) : scratch),
        callback: (n: number, buf: Uint8Array): boolean => {
          if (settled) return false;
          if (!answer) return !onHead(buf.slice(0, n));
          if (answer.filled && buf !== scratch) {
            got += n; // already in place
            advance(n);
          } else takeBody(buf.subarray(0, n));
          return !doneIfComplete();
        },
      },
    });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      let text = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
      for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
      socket.write(`${text}Connection: close\r\n\r\n`, 'latin1');
    });
    socket.on('error', (err) => finish(err));
    socket.on('end', () => {
      if (!doneIfComplete()) finish(new ShortBody(`connection closed after ${got} of ${bodyLength} body bytes`));
    });
    socket.on('close', () => {
      if (!settled) finish(new ShortBody(`connection closed after ${got} of ${bodyLength} body bytes`));
    });
  });
}

/** Offset of the `\r\n\r\n` that ends an HTTP head, or -1. */
function indexOfBlankLine(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}
