// Replays the save schedules TensorFlow ran in make_saver.py (same clock, same steps) and compares, after every
// save, the files in the directory and the state file's text.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager, Saver } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fakeClock, type Json, readJson, tempDir } from './helpers.js';

const schedules = readJson(join(FIXTURES, 'saver', 'schedules.json')) as Record<string, Json>;

function snapshot(dir: string) {
  const files = readdirSync(dir).sort();
  const state = files.includes('checkpoint')
    ? readFileSync(join(dir, 'checkpoint'), 'utf8').replaceAll(`${dir}/`, '<DIR>/')
    : null;
  return { files, state };
}

describe('tf.compat.v1.train.Saver schedules', () => {
  for (const [name, s] of Object.entries(schedules).filter(([, s]) => s.writer === 'tf.compat.v1.train.Saver')) {
    it(name, async () => {
      const dir = tempDir();
      const clock = fakeClock(s.build_time);
      const v = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
      const a = s.saver_args;
      const saver = new Saver(
        { v },
        {
          maxToKeep: a.max_to_keep,
          ...(a.keep_checkpoint_every_n_hours === undefined
            ? {}
            : { keepCheckpointEveryNHours: a.keep_checkpoint_every_n_hours }),
          saveRelativePaths: a.save_relative_paths ?? false,
          padStepNumber: a.pad_step_number ?? false,
          clock: clock.fn,
        },
      );
      for (const step of s.saves) {
        clock.now = step.time;
        v.data.set([step.global_step ?? 0, step.time]);
        const path = await saver.save(join(dir, s.prefix), {
          ...(step.global_step === null ? {} : { globalStep: step.global_step }),
          ...(s.write_meta_graph ? { metaGraph: new Uint8Array([1, 2, 3]) } : {}),
        });
        expect(path).toBe(join(dir, step.returned));
        expect(snapshot(dir)).toEqual({ files: step.files, state: step.state });
      }
    });
  }
});

describe('tf.train.CheckpointManager schedules', () => {
  for (const [name, s] of Object.entries(schedules).filter(([, s]) => s.writer === 'tf.train.CheckpointManager')) {
    it(name, async () => {
      const dir = tempDir();
      const v = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
      const a = s.manager_args;
      for (const run of s.runs) {
        const clock = fakeClock(run.start_time);
        const manager = new CheckpointManager({ v }, dir, {
          maxToKeep: a.max_to_keep,
          ...(a.keep_checkpoint_every_n_hours === undefined
            ? {}
            : { keepCheckpointEveryNHours: a.keep_checkpoint_every_n_hours }),
          clock: clock.fn,
        });
        for (const step of run.saves) {
          clock.now = step.time;
          const path = await manager.save({ checkpointNumber: step.checkpoint_number });
          expect(path).toBe(join(dir, step.returned));
          expect(snapshot(dir)).toEqual({ files: step.files, state: step.state });
        }
      }
    });
  }
});
