import { readFile } from 'node:fs/promises';
import { nodeBackend } from '@litestage/backend-node';
import { createEngine, type EngineResult, type Question } from '@litestage/core';
import { DEFAULT_DEMO_VERSION, demoProfilePath, openDemoBundle } from '@litestage/demo-model';
import { loadBundleTokenizer } from '@litestage/model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';
import { comparedProfiles, METHODS, type Method } from '../compared-profiles.js';

/** The same questions answered both ways by the Node CPU engine, with the page's profiles. */
export async function answerOnNodeCpu(
  questions: readonly Question[],
): Promise<Record<Method, EngineResult>[]> {
  const bundle = await openDemoBundle(DEFAULT_DEMO_VERSION);
  const profile = parseProfile(await readFile(demoProfilePath(DEFAULT_DEMO_VERSION), 'utf8'));
  const session = await nodeBackend.load(bundle, { executionProviders: ['cpu'], threads: 1 });
  try {
    const tokenizer = await loadBundleTokenizer(bundle);
    const format = getTaskFormat(profile.task.format);
    const profiles = comparedProfiles(profile, session.manifest, format);
    const engines = Object.fromEntries(
      METHODS.map((m) => [m, createEngine({ session, tokenizer, format, profile: profiles[m] })]),
    ) as Record<Method, ReturnType<typeof createEngine>>;
    const answered = [];
    for (const question of questions) {
      answered.push({
        full: await engines.full.run(question),
        litestage: await engines.litestage.run(question),
      });
    }
    return answered;
  } finally {
    await session.dispose();
  }
}
