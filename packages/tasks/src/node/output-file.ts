import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, appendFile, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LiteStageError } from '@litestage/errors';

/** An output file that cannot be written where it was asked for. */
export class OutputFileError extends LiteStageError {
  override readonly name = 'OutputFileError';
}

/**
 * Checks, before any work, that `file` can be written: its folder exists and is writable,
 * and it is not itself a folder. Long jobs call it first, so a typo in an output path costs
 * nothing instead of a whole search.
 */
export async function checkWritable(file: string): Promise<void> {
  const folder = dirname(resolve(file));
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(folder);
  } catch {
    throw new OutputFileError(`cannot write ${file}: the folder ${folder} does not exist`, {
      hint: 'create the folder first, or choose another path',
    });
  }
  if (!info.isDirectory()) {
    throw new OutputFileError(`cannot write ${file}: ${folder} is not a folder`);
  }
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new OutputFileError(`cannot write ${file}: the folder ${folder} is not writable`);
  }
  const existing = await stat(file).catch(() => null);
  if (existing?.isDirectory()) {
    throw new OutputFileError(`cannot write ${file}: it is a folder`, {
      hint: 'give a file name inside it',
    });
  }
}

/**
 * Writes `text` to `file` through a temporary file beside it and a rename, so a reader never
 * sees half a file and a failure leaves the old one in place.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    // Say what is wrong with the path the user gave, not with our temporary name.
    await checkWritable(file);
    throw error;
  }
}

/**
 * The lines of a file that is appended to line by line (a log of finished work), or none
 * when it does not exist yet.
 */
export async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Appends one line to `file` (created if missing): what finished is kept at once. */
export async function appendLine(file: string, line: string): Promise<void> {
  await appendFile(file, `${line}\n`);
}
