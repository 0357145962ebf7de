import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Profile, parseProfile } from '@litestage/profile';
import {
  type ConformanceCase,
  type ConformanceIndex,
  parseConformanceCase,
  parseConformanceIndex,
} from '../conformance-case.js';

/**
 * The committed fixtures (`tooling/conformance/fixtures/`, the same from `src/` and `dist/`):
 * `index.json`, `cases/<name>.json`, `profiles/<name>.json`, `bundles/<name>/`. A browser
 * serves this folder and reads the same files by URL.
 */
export const CONFORMANCE_FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** A case with its profile and the absolute path of its bundle. */
export interface LoadedConformanceCase {
  readonly kase: ConformanceCase;
  readonly profile: Profile;
  readonly bundleDir: string;
}

export async function readConformanceIndex(
  folder = CONFORMANCE_FIXTURES,
): Promise<ConformanceIndex> {
  return parseConformanceIndex(await readJson(join(folder, 'index.json')));
}

/** Every case the index lists, with its profile, read from `folder`. */
export async function loadConformanceCases(
  folder = CONFORMANCE_FIXTURES,
): Promise<LoadedConformanceCase[]> {
  const index = await readConformanceIndex(folder);
  const cases: LoadedConformanceCase[] = [];
  for (const name of index.cases) {
    const file = join(folder, 'cases', `${name}.json`);
    const kase = parseConformanceCase(await readJson(file), file);
    const profile = parseProfile(await readJson(join(folder, kase.profile)));
    cases.push({ kase, profile, bundleDir: join(folder, kase.bundle) });
  }
  return cases;
}
