import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocateLargeBuffer, LARGE_BUFFER_BYTES, largeBuffersNative } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const built = join(here, '..', 'dist', 'native', 'large-buffers.node');

/** The process's memory on transparent huge pages, in bytes (Linux). */
function anonHugeBytes(): number {
  const m = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

describe('allocateLargeBuffer', () => {
  it('gives zero-filled, writable buffers of exactly the size asked, below, at and above the threshold', () => {
    for (const bytes of [0, 1, LARGE_BUFFER_BYTES - 1, LARGE_BUFFER_BYTES, LARGE_BUFFER_BYTES + 3, (64 << 20) + 5]) {
      const buffer = allocateLargeBuffer(bytes);
      expect(buffer.byteLength).toBe(bytes);
      const u8 = new Uint8Array(buffer);
      expect(u8.every((b) => b === 0)).toBe(true);
      if (bytes >= 2) {
        u8[0] = 7;
        u8[bytes - 1] = 9;
        expect([u8[0], u8[bytes - 1]]).toEqual([7, 9]);
      }
    }
  });

  it('backs a large typed array that reads and writes as any other', () => {
    const n = (LARGE_BUFFER_BYTES >> 2) + 11;
    const a = new Float32Array(allocateLargeBuffer(n * 4));
    for (let i = 0; i < n; i++) a[i] = i * 0.5;
    expect(a.length).toBe(n);
    expect(a[n - 1]).toBe((n - 1) * 0.5);
    expect(a.subarray(3, 6)).toEqual(new Float32Array([1.5, 2, 2.5]));
  });

  it('uses the native module where the build made it, and puts large buffers on huge pages where THP allows', () => {
    expect(largeBuffersNative()).toBe(existsSync(built));
    const thp = existsSync('/sys/kernel/mm/transparent_hugepage/enabled')
      ? readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8')
      : '[never]';
    if (!largeBuffersNative() || thp.includes('[never]')) return;
    const before = anonHugeBytes();
    const buffer = new Uint8Array(allocateLargeBuffer(64 << 20));
    buffer.fill(1);
    const gained = anonHugeBytes() - before;
    // most of the 64 MiB (whole 2 MiB pages; the kernel may fall back to small pages where memory is fragmented)
    expect(gained).toBeGreaterThanOrEqual(16 << 20);
    expect(buffer[(64 << 20) - 1]).toBe(1);
  });

  it('is plain ArrayBuffers with TENSORGRAFT_HUGE_PAGES=0', () => {
    const script =
      "import('@tensorgraft/proto').then(p => { const b = p.allocateLargeBuffer(8 << 20); " +
      'console.log(JSON.stringify([p.largeBuffersNative(), b.byteLength])); })';
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: here,
      env: { ...process.env, TENSORGRAFT_HUGE_PAGES: '0' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([false, 8 << 20]);
  });
});
