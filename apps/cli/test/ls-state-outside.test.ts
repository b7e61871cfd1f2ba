// `tensorgraft ls DIR` when DIR's state file names a checkpoint outside DIR (issue 12 item 4): followed, as
// TensorFlow follows it, and said (a note line; `fromStateFile` in --json).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'checkpoints', 'saver');
const tmp = mkdtempSync(join(tmpdir(), 'cli-outside-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tensorgraft ls through a state file', () => {
  it('notes a checkpoint outside the directory, and not one inside it', async () => {
    const prefix = (JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as { prefix: string }).prefix;
    cpSync(FIX, join(tmp, 'victim'), { recursive: true });
    writeFileSync(join(tmp, 'victim', 'checkpoint'), `model_checkpoint_path: "${prefix}"\n`);
    mkdirSync(join(tmp, 'dir'));
    writeFileSync(join(tmp, 'dir', 'checkpoint'), `model_checkpoint_path: "../victim/${prefix}"\n`);
    const human = await runCli('ls', join(tmp, 'dir'));
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`note: the state file of ${join(tmp, 'dir')} names a checkpoint outside it\n`);
    const json = JSON.parse((await runCli('ls', join(tmp, 'dir'), '--json')).stdout) as { fromStateFile: unknown };
    expect(json.fromStateFile).toEqual({ directory: join(tmp, 'dir'), outside: true });
    const inside = await runCli('ls', join(tmp, 'victim'));
    expect(inside.code).toBe(0);
    expect(inside.stdout).not.toContain('note:');
  });
});
