// Bad input: mutated state files, a state file naming missing files, damaged checkpoints. Always a typed SaverError
// (or undefined from latestCheckpoint), never a crash or a hang.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  getCheckpointState,
  latestCheckpoint,
  parseCheckpointState,
  readObjectCheckpoint,
  Saver,
  SaverError,
} from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, tempDir } from './helpers.js';

const TF1_DIR = join(FIXTURES, 'saver', 'tf1');
const TF2 = readJson(join(FIXTURES, 'saver', 'tf2.json'));

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('bad input', () => {
  it('2,000 mutated state files: parsed or BAD_STATE_FILE with the path', () => {
    const text = readFileSync(join(FIXTURES, 'state', 'manager', 'checkpoint'));
    const random = rng(7);
    let errors = 0;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(text);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++)
        b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? b.subarray(0, Math.floor(random() * b.length)) : b;
      try {
        const st = parseCheckpointState(cut.toString('utf8'), '/x/checkpoint');
        expect(typeof st.modelCheckpointPath).toBe('string');
      } catch (err) {
        expect(err).toBeInstanceOf(SaverError);
        expect((err as SaverError).code).toBe('BAD_STATE_FILE');
        expect((err as SaverError).path).toBe('/x/checkpoint');
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });

  it('a state file naming missing files: latestCheckpoint is undefined; restoring the named path is NOT_FOUND', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'checkpoint'),
      'model_checkpoint_path: "model.ckpt-9"\nall_model_checkpoint_paths: "model.ckpt-9"\n',
    );
    expect(latestCheckpoint(dir)).toBeUndefined();
    const named = getCheckpointState(dir)!.modelCheckpointPath;
    await expect(new Saver({}).restore(named)).rejects.toMatchObject({ code: 'NOT_FOUND', path: named });
  });

  it('a missing data shard or a damaged one: typed errors naming the file and the tensor', async () => {
    const dir = tempDir();
    for (const f of readdirSync(TF1_DIR)) copyFileSync(join(TF1_DIR, f), join(dir, f));
    const prefix = join(dir, 'model.ckpt-7');
    const target = { 'vgg_16/fc8/weights': { dtype: 'float32', shape: [4, 3], data: new Float32Array(12) } };
    const data = readFileSync(`${prefix}.data-00000-of-00001`);
    const reader = await import('@tensorgraft/bundle-io');
    const entry = reader.BundleReader.open(prefix).entry('vgg_16/fc8/weights');
    data[entry.offset + 3]! ^= 0x40;
    writeFileSync(`${prefix}.data-00000-of-00001`, data);
    await expect(new Saver(target).restore(prefix)).rejects.toMatchObject({
      code: 'CORRUPT',
      variable: 'vgg_16/fc8/weights',
    });
    writeFileSync(`${prefix}.data-00000-of-00001`, '');
    await expect(new Saver(target).restore(prefix)).rejects.toBeInstanceOf(SaverError);
    writeFileSync(`${prefix}.index`, 'not a table at all, just text');
    await expect(new Saver(target).restore(prefix)).rejects.toMatchObject({ code: 'CORRUPT', path: `${prefix}.index` });
  });

  it('a damaged object graph is CORRUPT, not a crash', () => {
    const dir = tempDir();
    const src = join(FIXTURES, 'saver', TF2.prefix);
    for (const ext of ['.index', '.data-00000-of-00001']) copyFileSync(src + ext, join(dir, `c${ext}`));
    const data = readFileSync(join(dir, 'c.data-00000-of-00001'));
    // Flip bytes across the file until the object graph's checksum or decoding fails.
    for (let i = 0; i < data.length; i += 97) data[i]! ^= 0xff;
    writeFileSync(join(dir, 'c.data-00000-of-00001'), data);
    expect(() => readObjectCheckpoint(join(dir, 'c'))).toThrow(SaverError);
  });
});

describe('object graph fuzz', () => {
  it('1,000 mutated TrackableObjectGraphs: variables listed or a CORRUPT SaverError, never anything else', async () => {
    const { BundleReader } = await import('@tensorgraft/bundle-io');
    const { objectGraphVariables } = await import('@tensorgraft/saver');
    const reader = BundleReader.open(join(FIXTURES, 'saver', readJson(join(FIXTURES, 'saver', 'tf2.json')).prefix));
    const bytes = (reader.get('_CHECKPOINTABLE_OBJECT_GRAPH').data as Uint8Array[])[0]!;
    reader.close();
    const random = rng(99);
    let errors = 0;
    for (let i = 0; i < 1000; i++) {
      const b = Uint8Array.from(bytes);
      for (let k = 0; k < 1 + Math.floor(random() * 6); k++)
        b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? b.subarray(0, Math.floor(random() * b.length)) : b;
      try {
        for (const v of objectGraphVariables(cut)) expect(v.paths.length).toBeLessThanOrEqual(32);
      } catch (err) {
        expect(err).toBeInstanceOf(SaverError);
        expect((err as SaverError).code).toBe('CORRUPT');
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
  });
});
