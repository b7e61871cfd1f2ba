import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, BundleReader, bytesSource, SafetensorsReader, writeSafetensors } from '@tensorgraft/bundle-io';
import { afterAll, describe, expect, it } from 'vitest';
import { expected, fixture, tensorToJson } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'safetensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function st(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: Buffer): Uint8Array {
  const json = rawHeader ?? Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return new Uint8Array(Buffer.concat([len, json, data]));
}

function code(bytes: Uint8Array): string {
  try {
    new SafetensorsReader(bytesSource(bytes, 'x.safetensors'));
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    return (e as BundleError).code;
  }
}

describe('safetensors', () => {
  it('round-trips the TensorFlow dtypes fixture tensors it can hold (bfloat16 and float16 too)', () => {
    const exp = expected('dtypes');
    const r = BundleReader.open(fixture('dtypes', exp.prefix));
    const names = r
      .names()
      .filter((n) => !['string/vector', 'string/scalar', 'empty/string', 'complex128'].includes(n));
    const file = join(tmp, 'all.safetensors');
    writeSafetensors(
      file,
      names.map((n) => [n, r.get(n)]),
      { metadata: { format: 'tf' } },
    );
    const back = SafetensorsReader.open(file);
    expect(back.names()).toEqual(names);
    expect(back.metadata).toEqual({ format: 'tf' });
    for (const n of names) expect(tensorToJson(back.get(n))).toEqual(exp.tensors[n]);
    // header padded to 8 bytes, every tensor aligned to its element size
    const bytes = readFileSync(file);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    expect(headerLen % 8).toBe(0);
    for (const e of back.entries())
      expect(
        (e.offset - 8 - headerLen) %
          Math.max(
            1,
            e.size /
              Math.max(
                1,
                e.shape.reduce((a, b) => a * b, 1),
              ),
          ),
      ).toBe(0);
    back.close();
    r.close();
  });

  it('refuses tensors the format cannot hold', () => {
    expect(() =>
      writeSafetensors(join(tmp, 's.safetensors'), [['s', { dtype: 'string', shape: [1], data: [new Uint8Array(1)] }]]),
    ).toThrow(/safetensors has no dtype for string/);
  });

  it('lists a float8 tensor under its safetensors dtype and refuses only reading it; keeps __metadata__', () => {
    const header = {
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      q: { dtype: 'F8_E4M3', shape: [2, 2], data_offsets: [4, 8] },
    };
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(0, 1.5, true);
    const r = new SafetensorsReader(bytesSource(st(header, data), 'q.safetensors'));
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(r.entries().map((e) => [e.name, e.dtype, e.dtypeEnum, e.shape, e.size])).toEqual([
      ['a', 'float32', 1, [1], 4],
      ['q', 'F8_E4M3', 0, [2, 2], 4],
    ]);
    expect(Array.from(r.get('a').data as Float32Array)).toEqual([1.5]);
    expect(() => r.get('q')).toThrow(/safetensors dtype F8_E4M3 has no TensorFlow dtype/);
    expect(r.verifyAll().get('q')?.code).toBe('UNSUPPORTED');
    expect([...r.verifyAll().keys()]).toEqual(['q']);
  });

  it('validates the header in order, with one error per kind', () => {
    const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    expect(code(st(ok, new Uint8Array(8)))).toBe('ok');
    expect(code(new Uint8Array(4))).toBe('TRUNCATED');
    const huge = Buffer.alloc(8);
    huge.writeBigUInt64LE(2n ** 62n);
    expect(code(new Uint8Array(huge))).toBe('CORRUPT_TABLE');
    expect(code(st(ok, new Uint8Array(8)).subarray(0, 20))).toBe('TRUNCATED');
    expect(code(st(null, new Uint8Array(0), Buffer.from([0xff, 0xfe])))).toBe('CORRUPT_TABLE');
    expect(code(st(null, new Uint8Array(0), Buffer.from('{"a": ')))).toBe('CORRUPT_TABLE');
    expect(code(st([1, 2]))).toBe('CORRUPT_TABLE');
    expect(code(st({ a: { dtype: 'x9', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toBe('UNSUPPORTED');
    expect(code(st({ a: { dtype: 7, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toBe('CORRUPT_ENTRY');
    // float8 has no TensorFlow dtype: listed, refused when read; its width still checks data_offsets
    expect(code(st({ a: { dtype: 'F8_E4M3', shape: [3], data_offsets: [0, 4] } }, new Uint8Array(4)))).toBe(
      'CORRUPT_ENTRY',
    );
    expect(code(st({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toBe(
      'CORRUPT_ENTRY',
    );
    expect(code(st({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)))).toBe('TRUNCATED');
    expect(code(st({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)))).toBe(
      'CORRUPT_ENTRY',
    );
    expect(
      code(
        st(
          {
            a: { dtype: 'U8', shape: [1], data_offsets: [1, 2] },
            b: { dtype: 'U8', shape: [1], data_offsets: [1, 2] },
          },
          new Uint8Array(2),
        ),
      ),
    ).toBe('CORRUPT_ENTRY');
    expect(code(st({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(2)))).toBe('CORRUPT_TABLE');
    expect(code(st({ __metadata__: { a: 1 } }))).toBe('CORRUPT_TABLE');
  });

  it('reads a header padded with spaces', () => {
    const file = join(tmp, 'pad.safetensors');
    writeFileSync(
      file,
      st(null, new Uint8Array([7]), Buffer.from('{"x":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}   ')),
    );
    const r = SafetensorsReader.open(file);
    expect(Array.from(r.get('x').data as Uint8Array)).toEqual([7]);
    r.close();
  });
});
