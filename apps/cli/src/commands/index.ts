// Every command of `tensorgraft`, one file each. Add a command by importing it and listing it here.
import type { Command } from '../command.js';
import { catCommand } from './cat.js';
import { convertCommand } from './convert.js';
import { diffCommand } from './diff.js';
import { eventsCommand } from './events.js';
import { exportCommand } from './export.js';
import { freezeCommand } from './freeze.js';
import { graphCommand } from './graph.js';
import { lsCommand } from './ls.js';
import { mergeCommand } from './merge.js';
import { savedModelCommand } from './saved-model.js';
import { verifyCommand } from './verify.js';

export const commands: readonly Command[] = [
  lsCommand,
  catCommand,
  verifyCommand,
  diffCommand,
  convertCommand,
  eventsCommand,
  graphCommand,
  mergeCommand,
  freezeCommand,
  exportCommand,
  savedModelCommand,
];
