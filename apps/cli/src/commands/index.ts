// Every command of `tensorgraft`, one file each. Add a command by importing it and listing it here.
import type { Command } from '../command.js';
import { eventsCommand } from './events.js';

export const commands: readonly Command[] = [eventsCommand];
