// Each command's module by name, so that `tensorgraft ls` loads ls's module and not the other ten: each is small,
// but Node pays for every module it resolves and compiles, and start-up is what `ls` is judged by.
// commands/index.ts lists the same commands in order (help, tests); a test keeps the two lists equal.
import type { Command } from '../command.js';

export const commandLoaders: Readonly<Record<string, () => Promise<Command>>> = {
  ls: async () => (await import('./ls.js')).lsCommand,
  cat: async () => (await import('./cat.js')).catCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
  convert: async () => (await import('./convert.js')).convertCommand,
  events: async () => (await import('./events.js')).eventsCommand,
  graph: async () => (await import('./graph.js')).graphCommand,
  merge: async () => (await import('./merge.js')).mergeCommand,
  freeze: async () => (await import('./freeze.js')).freezeCommand,
  export: async () => (await import('./export.js')).exportCommand,
  'saved-model': async () => (await import('./saved-model.js')).savedModelCommand,
};
