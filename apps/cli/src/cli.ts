import { createRequire } from 'node:module';
import { formatError, isLiteStageError } from '@litestage/errors';
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { type CliIo, processIo } from './cli-io.js';
import { commands } from './commands/index.js';

const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };

export const CLI_VERSION = packageJson.version;

export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('litestage')
    .description(
      'Faster multi-stage reasoning for small language models: stage-wise sub-layer skipping and early exit.',
    )
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .option('--verbose', 'print stack traces of errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (message, write) => write(`litestage: ${message.replace(/^error: /, '')}`),
    });
  for (const command of commands) command.register(program, io);
  // Subcommands report usage errors the same way as the program.
  for (const command of program.commands) applyErrorHandling(command, program);
  return program;
}

function applyErrorHandling(command: Command, program: Command): void {
  command.exitOverride().configureOutput(program.configureOutput());
  for (const sub of command.commands) applyErrorHandling(sub, program);
}

/** Runs the CLI and returns its exit code; errors become one line on stderr. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return error.exitCode;
    }
    const verbose = argv.includes('--verbose');
    // One catch for every error a user can fix, whichever package threw it.
    if (isLiteStageError(error)) {
      io.stderr(`${formatError(error, 'litestage: ')}\n`);
      if (verbose && error.stack) io.stderr(`${error.stack}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (verbose && error instanceof Error && error.stack) {
      io.stderr(`litestage: unexpected error: ${message}\n${error.stack}\n`);
    } else {
      io.stderr(
        `litestage: unexpected error: ${message} (run with --verbose for the stack trace)\n`,
      );
    }
    return 1;
  }
}
