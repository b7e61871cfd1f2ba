// Argument parsing for every command: Node's util.parseArgs does the splitting; this file turns a command's declared
// options (its `valueOptions` and `flags`) into parseArgs' configuration and its errors into UsageErrors (exit 2).
import { parseArgs as nodeParseArgs } from 'node:util';
import { type Command, type ParsedArgs, UsageError } from './command.js';

/** Accepted by every command besides its own options. */
export const GLOBAL_FLAGS = ['--json', '--help', '-h'] as const;

export const GLOBAL_HELP: Record<string, string> = {
  '--json': 'print one JSON document on stdout (errors too: {"error": {"code", "message", "path"}})',
  '--help': 'print this help and exit',
};

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** parseArgs takes a one-letter option only as the short form of a long one: these are the ones commands use. */
const SHORT_FOR: Record<string, string> = { o: 'out', h: 'help' };

/** parseArgs' configuration (option names without dashes) for what the command declares. */
function configFor(command: Command): { config: ParseArgsOptions; declared: Map<string, string[]> } {
  const config: ParseArgsOptions = {};
  /** parseArgs' key -> the declared spellings it stands for (`out` -> ['--out', '-o']). */
  const declared = new Map<string, string[]>();
  const add = (name: string, type: 'string' | 'boolean') => {
    if (name.startsWith('--')) {
      const key = name.slice(2);
      config[key] = { ...config[key], type, ...(type === 'string' ? { multiple: true } : {}) };
      declared.set(key, [...(declared.get(key) ?? []), name]);
      return;
    }
    const letter = name.slice(1);
    const key = SHORT_FOR[letter] ?? letter;
    config[key] = { ...config[key], type, short: letter, ...(type === 'string' ? { multiple: true } : {}) };
    declared.set(key, [...(declared.get(key) ?? []), name]);
  };
  for (const name of command.valueOptions ?? []) add(name, 'string');
  for (const name of [...(command.flags ?? []), ...GLOBAL_FLAGS]) add(name, 'boolean');
  return { config, declared };
}

/** Splits argv into positionals and options, refusing options the command does not declare. */
export function parseArgs(argv: readonly string[], command: Command): ParsedArgs {
  const { config, declared } = configFor(command);
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(usageMessage(err, command));
  }
  const options = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  for (const [key, value] of Object.entries(parsed.values)) {
    for (const name of declared.get(key) ?? [`--${key}`]) {
      if (Array.isArray(value)) {
        const strings = value.map(String);
        options.set(name, strings[strings.length - 1]!);
        repeated.set(name, strings);
      } else if (value === true) {
        options.set(name, true);
      }
    }
  }
  return { positionals: parsed.positionals, options, repeated };
}

/** parseArgs' messages are long and about its own API; say what the user did wrong, naming the option. */
function usageMessage(err: unknown, command: Command): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-[^' ,]*)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message} for '${command.name}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing|argument is ambiguous/.test(message)
        ? `${option ?? 'an option'} needs a value`
        : `${option ?? 'an option'} takes no value`;
    default:
      return message;
  }
}

/** The positional at `index`, or a UsageError naming it. */
export function requirePositional(args: ParsedArgs, index: number, what: string): string {
  const value = args.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

/** Refuses more positionals than the command takes. */
export function expectPositionals(args: ParsedArgs, max: number): void {
  if (args.positionals.length > max) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[max])}`);
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Every value given for a value option that may repeat, in order. */
export function repeatedOption(args: ParsedArgs, name: string): string[] {
  return args.repeated?.get(name) ?? [];
}
