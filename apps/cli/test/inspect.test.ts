// cat's numpy-style summary of a large tensor, ls on safetensors (__metadata__, a float8 tensor listed as
// unsupported), graph's summarize_graph facts. The interop suite checks the same against numpy, the safetensors
// library and TensorFlow's Graph (interop/tests/test_cli.py).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleWriter } from '@tensorgraft/bundle-io';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cli-inspect-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const GRAPHS = fileURLToPath(new URL('../../../fixtures/graphs/', import.meta.url));

describe('tensorgraft cat on a large tensor', () => {
  const prefix = join(tmp, 'big');
  const data = Int32Array.from({ length: 30 * 40 }, (_, i) => i - 100);
  const w = new BundleWriter(prefix);
  w.add('m', { dtype: 'int32', shape: [30, 40], data });
  w.finish();

  it('shows the first and last 3 of each axis, then min, max and mean', async () => {
    const r = await runCli('cat', prefix, 'm');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('m  int32  [30, 40]');
    expect(lines[1]).toBe('[[-100  -99  -98 ...  -63  -62  -61]');
    expect(lines[4]).toBe(' ...');
    expect(lines[7]).toBe(' [1060 1061 1062 ... 1097 1098 1099]]');
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    expect(lines[8]).toBe(`min -100  max 1099  mean ${mean}`);
  });

  it('--all prints every value; --json always has every value', async () => {
    const all = await runCli('cat', prefix, 'm', '--all');
    expect(all.stdout).not.toContain('...');
    expect(all.stdout.split('\n').length).toBe(1 + 30 + 1 + 1);
    const doc = JSON.parse((await runCli('cat', prefix, 'm', '--json')).stdout) as { values: number[] };
    expect(doc.values).toEqual(Array.from(data));
  });
});

describe('tensorgraft ls on safetensors', () => {
  it('shows __metadata__ and lists a float8 tensor as unsupported instead of failing', async () => {
    const header = Buffer.from(
      JSON.stringify({
        __metadata__: { format: 'pt' },
        w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        q: { dtype: 'F8_E4M3', shape: [4], data_offsets: [8, 12] },
      }),
    );
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const path = join(tmp, 'q.safetensors');
    writeFileSync(path, Buffer.concat([len, header, Buffer.alloc(12)]));
    const r = await runCli('ls', path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('__metadata__:\n  format: "pt"\n');
    expect(r.stdout).toMatch(/^q\s+F8_E4M3\s+\[4\]\s+4\s+unsupported dtype$/m);
    expect(r.stdout).toMatch(/^w\s+float32\s+\[2\]\s+8$/m);
    expect(r.stdout).toContain('2 tensors, 12 bytes (safetensors), 1 of an unsupported dtype');
    const v = await runCli('verify', path);
    expect(v.code).toBe(0);
    expect(v.stderr).toContain('unchecked: q');
  });
});

describe('tensorgraft graph summary', () => {
  it("lists inputs, variables, likely outputs and counts as TensorFlow's summarize_graph does", async () => {
    const r = await runCli('graph', join(GRAPHS, 'mlp.pb'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 possible inputs:\n {2}x {2}float32 {2}\[\?,8\]$/m);
    expect(r.stdout).toMatch(/^4 variables:\n {2}dense1\/kernel {2}float32 {2}\[8,16\] {2}\(resource\)$/m);
    expect(r.stdout).toMatch(/^ {2}probs {2}\(Softmax\)$/m);
    expect(r.stdout).toMatch(/^\d+ const parameters, \d+ control edges$/m);
  });
});
