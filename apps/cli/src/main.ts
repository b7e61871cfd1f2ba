import { readFileSync } from 'node:fs';
import { parseArgs } from './args.js';
import { type Command, InputProblem, UsageError } from './command.js';
import { commandLoaders } from './commands/load.js';
import { commandHelp, overview } from './help.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The terminal stream for progress bars (bin.ts passes process.stderr; a bar shows only when it is a TTY). */
  progressStream?: NodeJS.WriteStream;
}

/** This package's version (dist/main.js and src/main.ts both sit one level under package.json). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI on argv (without node and script) and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const json = argv.some((a) => a === '--json' || a.startsWith('--json='));
  if (name === '--version' || name === '-V') {
    io.stdout(json ? `${JSON.stringify({ version: version() })}\n` : `tensorgraft ${version()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(overview(await allCommands()));
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = Object.hasOwn(commandLoaders, name) ? await commandLoaders[name]!() : undefined;
  if (!command) {
    const error = new UsageError(`unknown command '${name}'`);
    if (json) return fail(io, error, 2);
    io.stderr(`tensorgraft: ${error.message}\n${overview(await allCommands())}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command);
    if (args.options.has('--help') || args.options.has('-h')) {
      io.stdout(commandHelp(command));
      return 0;
    }
    return await command.run({
      args,
      json: args.options.has('--json'),
      stdout: io.stdout,
      stderr: io.stderr,
      ...(io.progressStream ? { progressStream: io.progressStream } : {}),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      if (json) return fail(io, err, 2);
      io.stderr(`tensorgraft ${command.name}: ${err.message}\nusage: tensorgraft ${command.usage}\n`);
      return 2;
    }
    // Any other error is a problem with the input (a typed error from a package: corrupt, not found, unsupported).
    if (json) return fail(io, err, 1, command.name);
    // Escaped: a SaverError or MixerError may carry a name from the input with NULs or terminal escapes in it.
    // (imported here, not at the top: `tensorgraft --help` starts without it.)
    const { escapeControls } = await import('@tensorgraft/proto/lite');
    const message = escapeControls(err instanceof Error ? err.message : String(err));
    io.stderr(`tensorgraft ${command.name}: ${err instanceof InputProblem ? '' : errorKind(err)}${message}\n`);
    return 1;
  }
}

/**
 * With --json an error is one JSON document on stdout, `{"error": {"code", "message", "path"}}` (path: the file it is
 * about, or null), so a script reads one shape whatever happened; stderr still says it for a human.
 */
function fail(io: Io, err: unknown, exitCode: number, commandName?: string): number {
  const message = err instanceof Error ? err.message : String(err);
  const fields = err as { code?: unknown; path?: unknown };
  const code =
    err instanceof UsageError
      ? 'USAGE'
      : err instanceof InputProblem
        ? 'INPUT'
        : typeof fields.code === 'string'
          ? fields.code
          : 'ERROR';
  const path = typeof fields.path === 'string' ? fields.path : null;
  io.stdout(`${JSON.stringify({ error: { code, message, path } })}\n`);
  io.stderr(`tensorgraft${commandName ? ` ${commandName}` : ''}: ${code}: ${message}\n`);
  return exitCode;
}

/** Every command, for the overview (loading them all is what --help costs; a command's run loads only its own). */
async function allCommands(): Promise<readonly Command[]> {
  return (await import('./commands/index.js')).commands;
}

function errorKind(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ` : '';
}
