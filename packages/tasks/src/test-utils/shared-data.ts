import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project's real data, beside the checkout (`../shared/data`); read, never copied. */
export const SHARED_DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

export function sharedFile(relative: string): string {
  const path = `${SHARED_DATA}${relative}`;
  if (!existsSync(path)) throw new Error(`missing shared data file ${path}`);
  return path;
}
