import { benchCommand } from './bench-command.js';
import type { CommandModule } from './command-module.js';
import { convertCommand } from './convert-command.js';
import { demoCommand } from './demo-command.js';
import { doctorCommand } from './doctor-command.js';
import { generateCommand } from './generate-command.js';
import { profileCommand } from './profile-command.js';
import { runCommand } from './run-command.js';
import { searchCommand } from './search-command.js';
import { taskCommand } from './task-command.js';
import { workerCommand } from './worker-command.js';

/** Every subcommand of `litestage`, in the order `--help` lists them. */
export const commands: readonly CommandModule[] = [
  demoCommand,
  convertCommand,
  generateCommand,
  runCommand,
  searchCommand,
  benchCommand,
  workerCommand,
  profileCommand,
  taskCommand,
  doctorCommand,
];
