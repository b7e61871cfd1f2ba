import { type Command, type ParsedArgs, UsageError } from './command.js';

const GLOBAL_FLAGS = ['--json', '--help', '-h'];

/** Splits argv into positionals and options, refusing options the command does not declare. */
export function parseArgs(argv: readonly string[], command: Command): ParsedArgs {
  const valueOptions = new Set(command.valueOptions ?? []);
  const flags = new Set([...(command.flags ?? []), ...GLOBAL_FLAGS]);
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (valueOptions.has(name)) {
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        options.set(name, value);
        repeated.set(name, [...(repeated.get(name) ?? []), value]);
      } else if (flags.has(name) && eq < 0) {
        options.set(name, true);
      } else {
        throw new UsageError(`unknown option ${name} for '${command.name}'`);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { positionals, options, repeated };
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
