import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from '../cli-error.js';

/**
 * Checks, before any work, that a file can be written at `path` (its folder exists and is
 * writable, and an existing file is writable), so a long command does not fail at its end.
 * `flag` names the option in the error.
 */
export async function checkWritable(flag: string, path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const fail = (why: string): never => {
    throw new CliError(`cannot write ${flag} ${path}: ${why}`);
  };
  const info = await stat(folder).catch(() => null);
  if (!info) fail(`the folder ${folder} does not exist`);
  if (!info?.isDirectory()) fail(`${folder} is not a folder`);
  await access(folder, constants.W_OK).catch(() => fail(`the folder ${folder} is not writable`));
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) fail('it is a folder');
  if (existing) await access(path, constants.W_OK).catch(() => fail('the file is not writable'));
}
