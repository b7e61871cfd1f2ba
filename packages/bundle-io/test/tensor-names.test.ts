// Every key TensorFlow's SaveV2 writes is read (fixtures/checkpoints/names, made by make_checkpoints.py): names with a
// leading NUL (TensorFlow lists them; they are not slices unless a partitioned tensor refers to them), control
// characters, `__proto__`, bytes that are not UTF-8 (named with surrogate escapes); and BundleWriter takes them all.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, BundleReader, BundleWriter, keyToName, nameToKey, openCheckpoint } from '@tensorgraft/bundle-io';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, type JsonTensor, tensorFromJson, tensorToJson } from './fixtures.js';

interface NamedJson extends JsonTensor {
  name_b64: string;
}
interface Case {
  prefix: string;
  tensors: NamedJson[];
  listed_b64?: string[];
}
const exp = JSON.parse(readFileSync(fixture('names', 'expected.json'), 'utf8')) as { text: Case; bytes: Case };
const tmp = mkdtempSync(join(tmpdir(), 'tg-names-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const nameOf = (s: string) => keyToName(b64(s));

describe('tensor names TensorFlow writes', () => {
  it('lists what TensorFlow lists, NUL-led names included and slice entries left out', () => {
    const r = BundleReader.open(fixture('names', exp.text.prefix));
    try {
      expect(r.names().map((n) => Buffer.from(nameToKey(n)).toString('base64'))).toEqual(exp.text.listed_b64);
      expect(r.names()).toContain('\u0000lead');
      expect(r.verifyAll().size).toBe(0);
    } finally {
      r.close();
    }
  });

  it('reads every tensor with the values TensorFlow restores', () => {
    for (const c of [exp.text, exp.bytes]) {
      const r = openCheckpoint(fixture('names', c.prefix));
      try {
        expect(r.names().length).toBe(c.tensors.length);
        for (const t of c.tensors) {
          const { name_b64, ...want } = t;
          expect(tensorToJson(r.get(nameOf(name_b64)))).toEqual(want);
        }
        expect(r.verifyAll().size).toBe(0);
      } finally {
        r.close();
      }
    }
  });

  it('names bytes that are not UTF-8 with surrogate escapes, losslessly', () => {
    expect(keyToName(Uint8Array.of(0xff, 0xfe))).toBe('\udcff\udcfe');
    expect(keyToName(Uint8Array.of(0x6f, 0x6b, 0xc3))).toBe('ok\udcc3');
    for (const t of exp.bytes.tensors)
      expect(Buffer.from(nameToKey(nameOf(t.name_b64))).toString('base64')).toBe(t.name_b64);
    expect(() => nameToKey('\ud800')).toThrow(BundleError);
  });

  it('BundleWriter writes every one of those names and reads them back', () => {
    const prefix = join(tmp, 'again.ckpt');
    const w = new BundleWriter(prefix);
    const all = [...exp.text.tensors, ...exp.bytes.tensors];
    for (const t of all) {
      const { name_b64, ...json } = t;
      w.add(nameOf(name_b64), tensorFromJson(json));
    }
    w.finish();
    const r = BundleReader.open(prefix);
    try {
      expect(r.names().length).toBe(all.length);
      for (const t of all) {
        const { name_b64, ...want } = t;
        expect(tensorToJson(r.get(nameOf(name_b64)))).toEqual(want);
      }
    } finally {
      r.close();
    }
  });

  it('BundleWriter refuses only what TensorFlow refuses: the empty name and a name added twice', () => {
    const w = new BundleWriter(join(tmp, 'refuse.ckpt'));
    const t = tensorFromJson({ dtype: 'float32', shape: [], values: [1] });
    const codeOf = (f: () => void) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return (e as BundleError).code;
      }
    };
    expect(codeOf(() => w.add('', t))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => w.add('\u0000', t))).toBe('ok');
    expect(codeOf(() => w.add('\u0000', t))).toBe('DUPLICATE_KEY');
    expect(codeOf(() => w.add('\n\t\u007f', t))).toBe('ok');
    w.abort();
  });
});
