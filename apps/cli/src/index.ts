export { type Command, type CommandContext, InputProblem, type ParsedArgs, UsageError } from './command.js';
export { commands } from './commands/index.js';
export { commandHelp, undocumentedOptions } from './help.js';
export { type Io, main, version } from './main.js';
