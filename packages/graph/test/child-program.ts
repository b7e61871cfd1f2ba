// Runs a test's ES-module program in a fresh Node process (what a process fixes once, such as whether the native
// modules load, differs between runs) and returns the JSON report it prints on a line of its own.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function runProgram<T>(dir: string, program: string, args: unknown, env: Record<string, string>): T {
  const file = join(dir, `program-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, program);
  const r = spawnSync(process.execPath, [file, JSON.stringify(args)], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 1 << 26,
    env: { ...process.env, ...env },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no report (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return JSON.parse(line) as T;
}
