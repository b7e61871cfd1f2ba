// The contract every command keeps: --version, --help per command with every option explained, util.parseArgs
// spellings, --json errors as one JSON document, and commands whose code loads only when they run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands, undocumentedOptions } from '@tensorgraft/cli';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const PKG = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const META = fileURLToPath(new URL('../../../fixtures/graphs/cnn.meta', import.meta.url));
const CKPT = fileURLToPath(new URL('../../../fixtures/checkpoints/dtypes/model.ckpt', import.meta.url));

describe('tensorgraft --version', () => {
  it("prints the package's version", async () => {
    const r = await runCli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`tensorgraft ${PKG.version}\n`);
    expect(JSON.parse((await runCli('--version', '--json')).stdout)).toEqual({ version: PKG.version });
  });
});

describe('tensorgraft COMMAND --help', () => {
  it('explains every option of every command', async () => {
    for (const command of commands) {
      expect(undocumentedOptions(command), command.name).toEqual([]);
      const r = await runCli(command.name, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: tensorgraft ${command.usage}`);
      for (const [name, text] of Object.entries(command.optionHelp ?? {})) {
        expect(r.stdout).toContain(name);
        expect(r.stdout).toContain(text.split('\n')[0]);
      }
      expect(r.stdout).toContain('--json');
      expect(r.stdout).not.toContain('(undocumented)');
    }
  });

  it('names --skip-unsupported and --freeze with what they do', async () => {
    expect((await runCli('convert', '-h')).stdout).toMatch(/--skip-unsupported\s+writing \.safetensors: leave out/);
    expect((await runCli('merge', '--help')).stdout).toMatch(/--freeze VALUE\s+SCOPE: take that model's variables/);
  });
});

describe('argument parsing (util.parseArgs)', () => {
  it('takes --opt=value, --opt value, -o and --out alike', async () => {
    const a = await runCli('graph', META, '--to=pbtxt');
    const b = await runCli('graph', META, '--to', 'pbtxt');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/^meta_info_def/);
    const dir = mkdtempSync(join(tmpdir(), 'cli-args-'));
    try {
      const short = await runCli('graph', META, '--to', 'pbtxt', '-o', join(dir, 'a.pbtxt'));
      const long = await runCli('graph', META, '--to', 'pbtxt', `--out=${join(dir, 'b.pbtxt')}`);
      expect([short.code, long.code]).toEqual([0, 0]);
      expect(readFileSync(join(dir, 'a.pbtxt'), 'utf8')).toBe(a.stdout);
      expect(readFileSync(join(dir, 'b.pbtxt'), 'utf8')).toBe(a.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown options, missing values and values given to flags with exit 2', async () => {
    const unknown = await runCli('ls', CKPT, '--bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option --bogus for 'ls'");
    const missing = await runCli('graph', 'x.pb', '-o');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('-o needs a value');
    const valued = await runCli('ls', CKPT, '--json=yes');
    expect(valued.code).toBe(2);
    expect(valued.stdout).toBe('{"error":{"code":"USAGE","message":"--json takes no value","path":null}}\n');
  });
});

describe('--json errors', () => {
  it('are one JSON object on stdout with code, message and path, besides the exit code', async () => {
    const missing = await runCli('ls', '/nonexistent/model.ckpt', '--json');
    expect(missing.code).toBe(1);
    const doc = JSON.parse(missing.stdout) as { error: { code: string; message: string; path: string } };
    expect(Object.keys(doc)).toEqual(['error']);
    expect(doc.error.code).toBe('NOT_FOUND');
    expect(doc.error.path).toBe('/nonexistent/model.ckpt');
    expect(doc.error.message).toContain('no checkpoint at /nonexistent/model.ckpt');

    const usage = await runCli('frobnicate', '--json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      error: { code: 'USAGE', message: "unknown command 'frobnicate'", path: null },
    });
    const noArg = await runCli('cat', CKPT, '--json');
    expect(noArg.code).toBe(2);
    expect(JSON.parse(noArg.stdout).error.message).toBe('missing NAME');
  });
});

describe('start-up', () => {
  // tfjs and protobufjs ship CommonJS, so whether they were loaded shows in require.cache; the checkpoint commands
  // must not load tfjs, and ls/cat of a V2 or safetensors checkpoint not even protobufjs (the generated messages).
  const loadedModules = (...argv: string[]) => {
    const script = `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(MAIN)});
      const code = await main(${JSON.stringify(argv)}, { stdout() {}, stderr() {} });
      const cache = Object.keys(createRequire(import.meta.url).cache);
      const count = (name) => cache.filter((k) => k.includes(name)).length;
      console.log(JSON.stringify({ code, tfjs: count('@tensorflow'), protobufjs: count('protobufjs') }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    return JSON.parse(r.stdout) as { code: number; tfjs: number; protobufjs: number };
  };
  const loaded = (...argv: string[]) => {
    const { code, tfjs } = loadedModules(...argv);
    return { code, tfjs };
  };

  it('loads no TensorFlow.js for --help, ls, a graph summary or a command --help', () => {
    expect(loaded('--help')).toEqual({ code: 0, tfjs: 0 });
    expect(loaded('ls', CKPT)).toEqual({ code: 0, tfjs: 0 });
    expect(loaded('graph', META)).toEqual({ code: 0, tfjs: 0 });
    expect(loaded('merge', '--help')).toEqual({ code: 0, tfjs: 0 });
  });

  it('loads no protobufjs for ls and cat of a V2 checkpoint or a safetensors file, nor for --help', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-startup-'));
    try {
      const st = join(dir, 'x.safetensors');
      expect(loadedModules('convert', '--skip-unsupported', CKPT, st).code).toBe(0);
      const none = { code: 0, tfjs: 0, protobufjs: 0 };
      expect(loadedModules('--help')).toEqual(none);
      expect(loadedModules('ls', CKPT)).toEqual(none);
      expect(loadedModules('cat', CKPT, 'int8')).toEqual(none);
      expect(loadedModules('ls', st)).toEqual(none);
      // a V1 file (SavedTensorSlices) needs the generated messages: so the check above can fail
      const v1 = fileURLToPath(new URL('../../../fixtures/checkpoints/v1/model.ckpt', import.meta.url));
      expect(loadedModules('ls', v1).protobufjs).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads it when merge needs the mixer (so the check above can fail)', () => {
    const cnn = fileURLToPath(new URL('../../../fixtures/models/cnn/model.ckpt', import.meta.url));
    // A wire under no scope is refused after the mixer is loaded and before anything is written.
    const r = loaded('merge', '--model', `a=${cnn}`, '--wire', 'zz/x:0=a/mean:0', '-o', '/nonexistent/x');
    expect(r.code).toBe(2);
    expect(r.tfjs).toBeGreaterThan(0);
  });
});
