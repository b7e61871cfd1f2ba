// The contract every command follows (DESIGN.md): exit 0 on success, 1 on a problem found in the input, 2 on bad usage;
// `--json` prints exactly one JSON document on stdout.

/** Thrown for bad usage (exit 2): unknown flag, missing argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown when the input has a problem the command found (exit 1) and there is nothing more useful to print. */
export class InputProblem extends Error {
  override readonly name = 'InputProblem';
}

export interface ParsedArgs {
  /** Positional arguments, in order. */
  positionals: string[];
  /** `--flag value` and `--flag=value` options; boolean flags map to true. */
  options: Map<string, string | true>;
  /** Every value of each value option, in order, for options that may repeat (`--model a --model b`). */
  repeated?: Map<string, string[]>;
}

export interface CommandContext {
  args: ParsedArgs;
  json: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where a progress bar may be drawn (the process's stderr; drawn only when it is a terminal). */
  progressStream?: NodeJS.WriteStream;
}

export interface Command {
  name: string;
  /** One line: `ls CHECKPOINT [--json]`. */
  usage: string;
  summary: string;
  /** Options that take a value (`-o OUT`, `--to pb`); every other `--x` is a boolean flag. */
  valueOptions?: readonly string[];
  /** Boolean flags the command accepts besides --json and --help. */
  flags?: readonly string[];
  /** What each of its valueOptions and flags does, for `tensorgraft COMMAND --help`: one entry per option. */
  optionHelp?: Readonly<Record<string, string>>;
  /** More about the command for its --help: what it reads and writes, exit statuses. */
  details?: string;
  /** Returns the exit code (0 or 1). Throws UsageError for bad usage. */
  run(ctx: CommandContext): Promise<number>;
}
