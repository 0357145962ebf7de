export { CLI_VERSION, createProgram, runCli } from './cli.js';
export { CliError } from './cli-error.js';
export type { CliIo } from './cli-io.js';
export type { CommandModule } from './commands/command-module.js';
