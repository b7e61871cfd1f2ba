// Damaged inputs: a TensorFlow-written meta graph and checkpoint index with random bytes changed. mix() either
// succeeds or throws a MixerError (never a RangeError, a TypeError or a hang); the cause says what was wrong.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MixerError, mix } from '@tensorgraft/mixer';
import { afterAll, describe, expect, it } from 'vitest';
import { ckpt, meta } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mixer-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** xorshift32: the same mutations on every run. */
function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

function mutate(bytes: Uint8Array, next: (n: number) => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const edits = 1 + next(4);
  for (let i = 0; i < edits; i++) {
    const at = next(out.length);
    out[at] = next(3) === 0 ? 0xff : next(256);
  }
  return next(10) === 0 ? out.subarray(0, next(out.length)) : out;
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!(err instanceof MixerError)) throw err;
    return err.code;
  }
}

describe('fuzz', () => {
  it('400 damaged meta graphs: mixed or a MixerError', () => {
    const original = new Uint8Array(readFileSync(meta('mlp')));
    const next = rng(12345);
    const codes = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const code = outcome(() => mix([{ scope: 'm', metaGraph: mutate(original, next), checkpoint: ckpt('mlp') }]));
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(codes.get('BAD_FILE')).toBeGreaterThan(0);
    expect(
      [...codes.keys()].every((c) =>
        ['ok', 'BAD_FILE', 'MISSING_IN_CHECKPOINT', 'CHECKPOINT_MISMATCH', 'DUPLICATE_SCOPE', 'NAME_CLASH'].includes(c),
      ),
    ).toBe(true);
  });

  it('300 damaged checkpoint indexes: mixed or an IO error', () => {
    const original = new Uint8Array(readFileSync(`${ckpt('mlp')}.index`));
    copyFileSync(`${ckpt('mlp')}.data-00000-of-00001`, join(dir, 'model.ckpt.data-00000-of-00001'));
    const next = rng(777);
    const codes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      writeFileSync(join(dir, 'model.ckpt.index'), mutate(original, next));
      const code = outcome(() => mix([{ scope: 'm', metaGraph: meta('mlp'), checkpoint: join(dir, 'model.ckpt') }]));
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(codes.get('IO')).toBeGreaterThan(0);
    expect(
      [...codes.keys()].every((c) => ['ok', 'IO', 'MISSING_IN_CHECKPOINT', 'CHECKPOINT_MISMATCH'].includes(c)),
    ).toBe(true);
  });
});
