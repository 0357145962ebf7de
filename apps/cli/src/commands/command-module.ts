import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';

/**
 * One top-level subcommand. Each lives in its own file under `commands/` and is listed
 * in `commands/index.ts`; `register` adds it (and its own subcommands) to the program.
 */
export interface CommandModule {
  readonly name: string;
  register(program: Command, io: CliIo): void;
}
