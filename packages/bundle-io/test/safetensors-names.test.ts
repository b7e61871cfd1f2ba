// Tensor names that are also JavaScript object keys with meaning (`__proto__`, `constructor`) round-trip through
// .safetensors; `__metadata__`, which the format reserves, is refused before anything is written.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, bytesSource, SafetensorsReader, type Tensor, writeSafetensors } from '@tensorgraft/bundle-io';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'st-names-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '\u0000lead', 'a/b', 'é'];

function f32(...values: number[]): Tensor {
  return { dtype: 'float32', shape: [values.length], data: new Float32Array(values) };
}

function st(header: string): Uint8Array {
  const json = Buffer.from(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return new Uint8Array(Buffer.concat([len, json]));
}

describe('safetensors tensor names', () => {
  it('writes and reads back every name, __proto__ included', () => {
    const file = join(tmp, 'names.safetensors');
    writeSafetensors(
      file,
      NAMES.map((n, i) => [n, f32(i, i + 0.5)]),
    );
    const r = SafetensorsReader.open(file);
    try {
      expect(r.names()).toEqual([...NAMES].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      NAMES.forEach((n, i) => {
        expect([...(r.get(n).data as Float32Array)]).toEqual([i, i + 0.5]);
      });
    } finally {
      r.close();
    }
  });

  it('refuses a tensor named __metadata__ with INVALID_ARGUMENT and writes nothing', () => {
    const file = join(tmp, 'meta.safetensors');
    let err: unknown;
    try {
      writeSafetensors(file, [
        ['a', f32(1)],
        ['__metadata__', f32(2)],
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('INVALID_ARGUMENT');
    expect((err as BundleError).tensor).toBe('__metadata__');
    expect((err as BundleError).message).toMatch(/reserves the name __metadata__/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('meta.safetensors'))).toEqual([]);
  });

  it('refuses dtypes named like Object.prototype members as UNSUPPORTED', () => {
    for (const dtype of ['constructor', '__proto__', 'toString']) {
      const bytes = st(`{"x":{"dtype":"${dtype}","shape":[],"data_offsets":[0,0]}}`);
      let err: unknown;
      try {
        new SafetensorsReader(bytesSource(bytes, 'x.safetensors'));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BundleError);
      expect((err as BundleError).code).toBe('UNSUPPORTED');
    }
  });
});
