#!/usr/bin/env node
import { runCli } from './cli.js';

// A reader that stops early (`litestage task export | head`) closes the pipe; like other
// command-line tools, end quietly instead of printing an unhandled EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
