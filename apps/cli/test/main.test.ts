import { commandHelp, commands } from '@tensorgraft/cli';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('tensorgraft', () => {
  it('exits 2 with usage when no command is given', async () => {
    const r = await runCli();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: tensorgraft COMMAND');
  });

  it('exits 2 for an unknown command', async () => {
    const r = await runCli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('runs each listed command by its name (each loaded on its own), and nothing else', async () => {
    expect(commands.map((c) => c.name)).toEqual([
      'ls',
      'cat',
      'verify',
      'diff',
      'convert',
      'events',
      'graph',
      'merge',
      'freeze',
      'export',
      'saved-model',
    ]);
    for (const command of commands) expect((await runCli(command.name, '--help')).stdout).toBe(commandHelp(command));
    for (const name of ['constructor', '__proto__', 'toString']) {
      const r = await runCli(name);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`unknown command '${name}'`);
    }
  });

  it('prints usage on --help with exit 0', async () => {
    const r = await runCli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('commands:');
  });
});
