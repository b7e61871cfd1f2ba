// Retention deletes only the directory's own checkpoints (issue 12 item 4): a `checkpoint` state file listing
// `../victim/important` made `new Saver(v, {maxToKeep: 1}).save(dir/model.ckpt, {globalStep: 1})` delete
// victim/important.index and .data-*; TensorFlow deletes nothing there (interop/tests/test_saver_kill.py checks the
// same setup with TensorFlow). Restoring through such a state file stays allowed and is reported.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager, Saver } from '@tensorgraft/saver';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const value = () => ({ v: { dtype: 'float32', shape: [2], data: new Float32Array([1.5, -2]) } });

/** `root/victim/important` (a complete checkpoint) and `root/dir` whose state file lists it. */
async function setup(stateLines: string[]): Promise<{ dir: string; victim: string[] }> {
  const root = tempDir();
  mkdirSync(join(root, 'victim'));
  await new Saver(value(), { maxToKeep: 0 }).save(join(root, 'victim', 'important'), { writeState: false });
  const dir = join(root, 'dir');
  mkdirSync(dir);
  writeFileSync(join(dir, 'checkpoint'), `${stateLines.join('\n')}\n`);
  return { dir, victim: readdirSync(join(root, 'victim')).map((f) => join(root, 'victim', f)) };
}

describe('retention never deletes outside the save directory', () => {
  it("Saver: a state file listing ../victim/important leaves the victim's files alone", async () => {
    const { dir, victim } = await setup([
      'model_checkpoint_path: "../victim/important"',
      'all_model_checkpoint_paths: "../victim/important"',
    ]);
    expect(victim.length).toBe(2);
    const saver = new Saver(value(), { maxToKeep: 1 });
    await saver.save(join(dir, 'model.ckpt'), { globalStep: 1 });
    await saver.save(join(dir, 'model.ckpt'), { globalStep: 2 });
    for (const f of victim) expect(existsSync(f), f).toBe(true);
    // its own checkpoints still rotate
    expect(readdirSync(dir).sort()).toEqual(['checkpoint', 'model.ckpt-2.data-00000-of-00001', 'model.ckpt-2.index']);
  });

  it('Saver: recovery takes over only <dir>/<base>-<step>, not another prefix in the same directory', async () => {
    const { dir } = await setup([]);
    await new Saver(value(), { maxToKeep: 0 }).save(join(dir, 'other'), { globalStep: 7 });
    await new Saver(value(), { maxToKeep: 0 }).save(join(dir, 'model.ckpt'), { globalStep: 3 });
    writeFileSync(
      join(dir, 'checkpoint'),
      'model_checkpoint_path: "model.ckpt-3"\nall_model_checkpoint_paths: "other-7"\nall_model_checkpoint_paths: "model.ckpt-3"\n',
    );
    await new Saver(value(), { maxToKeep: 1 }).save(join(dir, 'model.ckpt'), { globalStep: 4 });
    expect(existsSync(join(dir, 'other-7.index'))).toBe(true);
    expect(existsSync(join(dir, 'model.ckpt-3.index'))).toBe(false);
  });

  it('CheckpointManager: a recovered ../victim entry is neither deleted nor listed again', async () => {
    const { dir, victim } = await setup([
      'model_checkpoint_path: "../victim/important"',
      'all_model_checkpoint_paths: "../victim/important"',
      'all_model_checkpoint_timestamps: 1700000000.0',
      'last_preserved_timestamp: 1600000000.0',
    ]);
    const manager = new CheckpointManager(value(), dir, { maxToKeep: 1 });
    await manager.save();
    await manager.save();
    for (const f of victim) expect(existsSync(f), f).toBe(true);
    expect(manager.checkpoints).toEqual([join(dir, 'ckpt-2')]);
  });

  it('restoring through a state file that points outside its directory works and says so', async () => {
    const { dir } = await setup(['model_checkpoint_path: "../victim/important"']);
    const target = { v: { dtype: 'float32', shape: [2], data: new Float32Array(2) } };
    const report = await new Saver(target).restore(dir);
    expect([...target.v.data]).toEqual([1.5, -2]);
    expect(report.fromStateFile).toEqual({ directory: dir, outside: true });
    await new Saver(value()).save(join(dir, 'model.ckpt'), { globalStep: 1 });
    expect((await new Saver(target).restore(dir)).fromStateFile).toEqual({ directory: dir, outside: false });
    expect((await new Saver(target).restore(join(dir, 'model.ckpt-1'))).fromStateFile).toBeUndefined();
  });
});
