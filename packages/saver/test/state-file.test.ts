import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatCheckpointState,
  generateCheckpointState,
  getCheckpointState,
  latestCheckpoint,
  parseCheckpointState,
  SaverError,
  updateCheckpointState,
} from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, tempDir } from './helpers.js';

const STATE = join(FIXTURES, 'state');

describe('state files written by TensorFlow (fixtures/state)', () => {
  for (const name of readdirSync(STATE)) {
    it(`${name}: parses, prints back byte-identical, resolves as get_checkpoint_state`, () => {
      const text = readFileSync(join(STATE, name, 'checkpoint'), 'utf8');
      const exp = readJson(join(STATE, name, 'expected.json'));
      const st = parseCheckpointState(text);
      expect(st.modelCheckpointPath).toBe(exp.file.model_checkpoint_path);
      expect(st.allModelCheckpointPaths).toEqual(exp.file.all_model_checkpoint_paths);
      expect(st.allModelCheckpointTimestamps).toEqual(exp.file.all_model_checkpoint_timestamps);
      expect(st.lastPreservedTimestamp).toBe(exp.file.last_preserved_timestamp);
      expect(formatCheckpointState(st)).toBe(text);

      // Read from the directory TensorFlow wrote it in: relative paths join onto it.
      const dir = tempDir();
      const saveDir = join(dir, exp.save_dir);
      mkdirSync(saveDir, { recursive: true });
      writeFileSync(join(saveDir, 'checkpoint'), text.replaceAll(exp.save_dir, saveDir));
      const got = getCheckpointState(saveDir)!;
      const fix = (p: string) => p.replace(exp.save_dir, saveDir);
      expect(got.modelCheckpointPath).toBe(fix(exp.get_checkpoint_state.model_checkpoint_path));
      expect(got.allModelCheckpointPaths).toEqual(exp.get_checkpoint_state.all_model_checkpoint_paths.map(fix));
    });
  }

  it('writing the same state as TensorFlow gives the same bytes (manager: timestamps, relative paths)', () => {
    const exp = readJson(join(STATE, 'manager', 'expected.json'));
    const dir = tempDir();
    updateCheckpointState(dir, {
      modelCheckpointPath: join(dir, 'ckpt-4'),
      allModelCheckpointPaths: ['ckpt-2', 'ckpt-3', 'ckpt-4'].map((p) => join(dir, p)),
      allModelCheckpointTimestamps: exp.file.all_model_checkpoint_timestamps,
      lastPreservedTimestamp: exp.file.last_preserved_timestamp,
      saveRelativePaths: true,
    });
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(
      readFileSync(join(STATE, 'manager', 'checkpoint'), 'utf8'),
    );
    expect(readdirSync(dir)).toEqual(['checkpoint']);
  });
});

describe('TensorFlow path rules', () => {
  it('appends the model path unless it is already last', () => {
    expect(
      generateCheckpointState('/d', { modelCheckpointPath: '/d/a', allModelCheckpointPaths: ['/d/b'] })
        .allModelCheckpointPaths,
    ).toEqual(['/d/b', '/d/a']);
    expect(
      generateCheckpointState('/d', { modelCheckpointPath: '/d/a', allModelCheckpointPaths: ['/d/a'] })
        .allModelCheckpointPaths,
    ).toEqual(['/d/a']);
  });

  it('a relative save dir makes relative paths relative to it (train/model.ckpt-5 -> model.ckpt-5)', () => {
    const st = generateCheckpointState('train', {
      modelCheckpointPath: 'train/model.ckpt-5',
      allModelCheckpointPaths: ['train/model.ckpt-4', '/abs/x'],
    });
    expect(st.modelCheckpointPath).toBe('model.ckpt-5');
    expect(st.allModelCheckpointPaths).toEqual(['model.ckpt-4', '/abs/x', 'model.ckpt-5']);
  });

  it('save_relative_paths turns absolute paths into paths relative to the directory', () => {
    const st = generateCheckpointState('/a/b', {
      modelCheckpointPath: '/a/b/m-1',
      allModelCheckpointPaths: ['/a/c/m-0'],
      saveRelativePaths: true,
    });
    expect(st.allModelCheckpointPaths).toEqual(['../c/m-0', 'm-1']);
  });

  it('timestamps must match the paths', () => {
    expect(() =>
      generateCheckpointState('/d', { modelCheckpointPath: '/d/a', allModelCheckpointTimestamps: [1, 2] }),
    ).toThrow(SaverError);
  });

  it('refuses a save path that is the state file itself', () => {
    const dir = tempDir();
    expect(() => updateCheckpointState(dir, { modelCheckpointPath: join(dir, 'checkpoint') })).toThrow(/conflicts/);
  });
});

describe('latestCheckpoint', () => {
  it('names the checkpoint only when its index exists; moved directories still resolve', () => {
    const dir = tempDir();
    updateCheckpointState(dir, { modelCheckpointPath: join(dir, 'model.ckpt-3'), saveRelativePaths: true });
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(
      'model_checkpoint_path: "model.ckpt-3"\nall_model_checkpoint_paths: "model.ckpt-3"\n',
    );
    expect(latestCheckpoint(dir)).toBeUndefined();
    writeFileSync(join(dir, 'model.ckpt-3.index'), '');
    expect(latestCheckpoint(dir)).toBe(join(dir, 'model.ckpt-3'));
  });

  it('no state file, an unparsable one, or an empty model path: undefined (getCheckpointState throws typed errors)', () => {
    const dir = tempDir();
    expect(latestCheckpoint(dir)).toBeUndefined();
    expect(getCheckpointState(dir)).toBeUndefined();
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "x\n');
    expect(latestCheckpoint(dir)).toBeUndefined();
    expect(() => getCheckpointState(dir)).toThrow(
      expect.objectContaining({ code: 'BAD_STATE_FILE', path: join(dir, 'checkpoint') }),
    );
    writeFileSync(join(dir, 'checkpoint'), 'all_model_checkpoint_paths: "a"\n');
    expect(() => getCheckpointState(dir)).toThrow(expect.objectContaining({ code: 'BAD_STATE_FILE' }));
  });

  it('glob patterns in the model path, as sharded V1 savers write them', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "model.ckpt-7-?????-of-00002"\n');
    expect(latestCheckpoint(dir)).toBeUndefined();
    writeFileSync(join(dir, 'model.ckpt-7-00000-of-00002'), '');
    expect(latestCheckpoint(dir)).toBe(join(dir, 'model.ckpt-7-?????-of-00002'));
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "m(1)+[ab].ckpt"\n');
    writeFileSync(join(dir, 'm(1)+b.ckpt.index'), '');
    expect(latestCheckpoint(dir)).toBe(join(dir, 'm(1)+[ab].ckpt'));
  });

  it('a custom latest filename', () => {
    const dir = tempDir();
    updateCheckpointState(dir, { modelCheckpointPath: join(dir, 'm'), latestFilename: 'state' });
    writeFileSync(join(dir, 'm.index'), '');
    expect(latestCheckpoint(dir, { latestFilename: 'state' })).toBe(join(dir, 'm'));
    expect(latestCheckpoint(dir)).toBeUndefined();
  });
});
