export { type Command, type CommandContext, InputProblem, type ParsedArgs, UsageError } from './command.js';
export { type Io, main } from './main.js';
