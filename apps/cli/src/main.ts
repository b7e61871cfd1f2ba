import { escapeControls } from '@tensorgraft/proto';
import { parseArgs } from './args.js';
import { type Command, InputProblem, UsageError } from './command.js';
import { commands } from './commands/index.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function usage(): string {
  const lines = commands.map((c) => `  tensorgraft ${c.usage}\n      ${c.summary}`);
  return `usage: tensorgraft COMMAND [ARGS] [--json]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Runs the CLI on argv (without node and script) and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`tensorgraft: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command);
    if (args.options.has('--help') || args.options.has('-h')) {
      io.stdout(`usage: tensorgraft ${command.usage}\n${command.summary}\n`);
      return 0;
    }
    return await command.run({ args, json: args.options.has('--json'), stdout: io.stdout, stderr: io.stderr });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tensorgraft ${command.name}: ${err.message}\nusage: tensorgraft ${command.usage}\n`);
      return 2;
    }
    // Any other error is a problem with the input (a typed error from a package: corrupt, not found, unsupported).
    // Escaped: a SaverError or MixerError may carry a name from the input with NULs or terminal escapes in it.
    const message = escapeControls(err instanceof Error ? err.message : String(err));
    io.stderr(`tensorgraft ${command.name}: ${err instanceof InputProblem ? '' : errorKind(err)}${message}\n`);
    return 1;
  }
}

function errorKind(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ` : '';
}
