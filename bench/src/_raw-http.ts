// The machine's raw rates for downloading one object over loopback HTTP, with no signing, no decoding and no checks:
// the ceilings the storage bench holds our S3 restore against. Each fills one preallocated buffer (its pages already
// touched, so page faults are not counted), except curl, which writes to /dev/null.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';

/** `count` ranged GETs at once with the global fetch, the object split evenly; count 1 is one plain GET. */
export async function fetchRanges(url: string, dest: Uint8Array, count: number): Promise<void> {
  const step = Math.ceil(dest.length / count);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const a = i * step;
      const b = Math.min(dest.length, a + step);
      const res = await fetch(url, count === 1 ? {} : { headers: { range: `bytes=${a}-${b - 1}` } });
      const reader = res.body!.getReader();
      let at = a;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        dest.set(value, at);
        at += value.length;
      }
      if (at !== b) throw new Error(`fetch of ${url} gave ${at - a} of ${b - a} bytes`);
    }),
  );
}

/** One plain GET with node:http, each socket chunk copied into `dest`. */
export function nodeHttpGet(url: string, dest: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let at = 0;
      res.on('data', (c: Buffer) => {
        dest.set(c, at);
        at += c.length;
      });
      res.on('end', () => (at === dest.length ? resolve() : reject(new Error(`node:http gave ${at} bytes`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether a curl binary runs here. */
export const hasCurl = (): boolean => spawnSync('curl', ['--version']).status === 0;

/** `curl -o /dev/null URL`: curl's own timing of the transfer in ms (process start-up left out). */
export function curlMs(url: string): number {
  const r = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', url], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  const [seconds] = r.stdout.trim().split(' ');
  return Number(seconds) * 1000;
}
