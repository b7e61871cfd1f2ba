// The installed binary, not main(): a reader that closes the pipe early must not make it crash.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const META = fileURLToPath(new URL('../../../fixtures/graphs/cnn.meta', import.meta.url));

describe('tensorgraft binary', () => {
  it('stops quietly with status 0 when its reader closes the pipe early', () => {
    // `head -c 1` reads one byte and exits; the ~100 KB text is more than the 64 KiB pipe buffer takes at once.
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `node "${BIN}" graph "${META}" --to pbtxt | head -c 1`], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('m');
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
  });
});
