// The text of `tensorgraft --help` and `tensorgraft COMMAND --help`.
import { GLOBAL_HELP } from './args.js';
import type { Command } from './command.js';

export function overview(commands: readonly Command[]): string {
  const lines = commands.map((c) => `  tensorgraft ${c.usage}\n      ${c.summary}`);
  return (
    'usage: tensorgraft COMMAND [ARGS] [--json]\n' +
    '       tensorgraft COMMAND --help     what COMMAND does and every option it takes\n' +
    '       tensorgraft --version\n\n' +
    `commands:\n${lines.join('\n')}\n\n` +
    'exit status: 0 ok, 1 a problem in the input, 2 bad usage\n'
  );
}

/** Every option the command declares, each with what it does (a missing description shows as such, not hidden). */
export function commandHelp(command: Command): string {
  const names = [...(command.valueOptions ?? []), ...(command.flags ?? [])];
  const rows: [string, string][] = names.map((name) => [
    (command.valueOptions ?? []).includes(name) ? `${name} VALUE` : name,
    command.optionHelp?.[name] ?? '(undocumented)',
  ]);
  rows.push(['--json', GLOBAL_HELP['--json']!], ['--help, -h', GLOBAL_HELP['--help']!]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const indent = `\n${' '.repeat(width + 4)}`;
  const options = rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d.replaceAll('\n', indent)}`).join('\n');
  const details = command.details ? `\n${command.details.trimEnd()}\n` : '';
  return `usage: tensorgraft ${command.usage}\n\n${command.summary}\n${details}\noptions:\n${options}\n`;
}

/** Options a command declares without saying what they do (a test keeps this empty). */
export function undocumentedOptions(command: Command): string[] {
  return [...(command.valueOptions ?? []), ...(command.flags ?? [])].filter((n) => !command.optionHelp?.[n]);
}
