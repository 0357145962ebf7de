import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runCli } from '../cli.js';
import { type CaptureOptions, captureIo } from './capture-io.js';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A temporary folder for one test file, removed after all its tests. */
export async function testFolder(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `litestage-${name}-`));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the command line as a user would, and returns its exit code and what it printed. */
export function run(...argv: string[]): Promise<CliResult> {
  return runWith({}, ...argv);
}

/** `run`, with stderr, interruption or progress hooks set by `options`. */
export async function runWith(options: CaptureOptions, ...argv: string[]): Promise<CliResult> {
  const io = captureIo(options);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}
