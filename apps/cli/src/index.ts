export { main, type Io } from './main.js';
export { type Command, type CommandContext, type ParsedArgs, UsageError, InputProblem } from './command.js';
