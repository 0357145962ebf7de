import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileErrorCode } from '../checkpoint/checkpoint-error.js';
import { ConversionError } from './conversion-error.js';

/**
 * Checks, before any work, that the bundle folder `out` can be created: it must not exist,
 * and its parent must be a folder this process may write to. Otherwise a long conversion
 * would fail at its first write, or at the very end.
 */
export async function checkOutputFolder(out: string): Promise<void> {
  if (await stat(out).catch(() => null)) {
    throw new ConversionError(`${out} already exists; choose another output folder or remove it`);
  }
  const parent = dirname(out);
  const info = await stat(parent).catch(() => null);
  if (!info) {
    throw new ConversionError(`${parent}: no such folder to create the bundle in`, {
      hint: 'create the folder first, or choose an output folder whose parent exists',
    });
  }
  if (!info.isDirectory()) {
    throw new ConversionError(`${parent}: is a file, not a folder to create the bundle in`);
  }
  try {
    await access(parent, constants.W_OK);
  } catch (error) {
    throw new ConversionError(
      `${parent}: cannot create the bundle there (${fileErrorCode(error) ?? String(error)})`,
      { cause: error },
    );
  }
}

/**
 * Creates the hidden folder a bundle is written into, beside `out` (so the final rename
 * stays on one file system); the caller renames it to `out` when done or removes it.
 */
export async function createPartialFolder(out: string): Promise<string> {
  const partial = join(dirname(out), `.${basename(out)}.${randomBytes(4).toString('hex')}.partial`);
  await mkdir(partial, { recursive: false });
  return partial;
}
