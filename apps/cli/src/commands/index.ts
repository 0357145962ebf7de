import type { CommandModule } from './command-module.js';
import { profileCommand } from './profile-command.js';
import { taskCommand } from './task-command.js';

/** Every subcommand of `litestage`, in the order `--help` lists them. */
export const commands: readonly CommandModule[] = [profileCommand, taskCommand];
