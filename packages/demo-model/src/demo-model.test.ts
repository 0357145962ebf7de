import { readFile } from 'node:fs/promises';
import { nodeBackend } from '@litestage/backend-node';
import { createEngine, fullDepthProfile } from '@litestage/core';
import { loadBundleTokenizer } from '@litestage/model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat, questionOfRecord, SYNTHETIC_OPTION_COUNT } from '@litestage/tasks';
import { collectTaskQuestions } from '@litestage/tasks/node';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEMO_VERSION,
  DEMO_MODEL,
  DEMO_MODELS,
  DemoModelError,
  type DemoModelVersion,
  demoModel,
  demoProfilePath,
  openDemoBundle,
} from './index.js';

const versions = Object.keys(DEMO_MODELS) as DemoModelVersion[];

describe('the demo reasoner', () => {
  it('records the option count of the questions it was trained on', () => {
    for (const v of versions) expect(DEMO_MODELS[v].options).toBe(SYNTHETIC_OPTION_COUNT);
  });

  it('defaults to v2, the deeper model, and keeps v1 under its own name', async () => {
    expect(DEFAULT_DEMO_VERSION).toBe('v2');
    expect(DEMO_MODEL).toBe(DEMO_MODELS.v2);
    const [v1, v2] = [await openDemoBundle('v1'), await openDemoBundle()];
    expect(v1.manifest.name).toBe(DEMO_MODELS.v1.name);
    expect(v2.manifest.name).toBe(DEMO_MODELS.v2.name);
    expect(v1.manifest.config.numLayers).toBe(DEMO_MODELS.v1.layers);
    expect(v2.manifest.config.numLayers).toBe(DEMO_MODELS.v2.layers);
    expect(v2.manifest.fingerprint).not.toBe(v1.manifest.fingerprint);
  });

  it('names the versions when asked for one it does not have', () => {
    expect(() => demoModel('v9')).toThrow(DemoModelError);
    expect(() => demoModel('v9')).toThrow(/no demo reasoner "v9"/);
    expect(() => demoModel('toString')).toThrow(DemoModelError);
  });

  // Thirty questions through the real engine of the default (v2): about 10 s, up to a minute
  // on a loaded 2-core machine.
  it('answers held-out synthetic test questions at full depth', { timeout: 180_000 }, async () => {
    const bundle = await openDemoBundle();
    expect(bundle.manifest.name).toBe(DEMO_MODEL.name);
    expect(bundle.manifest.config.numLayers).toBeGreaterThanOrEqual(16);
    const format = getTaskFormat(DEMO_MODEL.task);
    const tokenizer = await loadBundleTokenizer(bundle);
    const session = await nodeBackend.load(bundle, { threads: 1 });
    try {
      const engine = await createEngine({
        session,
        tokenizer,
        format,
        profile: fullDepthProfile(bundle.manifest, format),
      });
      const { records } = await collectTaskQuestions({
        task: 'synthetic',
        split: 'test',
        limit: 30,
      });
      let correct = 0;
      let wellFormed = 0;
      for (const record of records) {
        const result = await engine.run(questionOfRecord(record));
        if (result.correct) correct++;
        // Well-formed: every stage ended at its newline, not at the token cap.
        if (result.stages.every((s) => s.exitReason === 'stop-string')) wellFormed++;
      }
      // A guard against a broken checkpoint, bundle or engine, not the accuracy figure: the
      // model card's comes from 500 questions.
      expect(correct / records.length).toBeGreaterThanOrEqual(0.85);
      expect(wellFormed / records.length).toBeGreaterThanOrEqual(0.9);
    } finally {
      await session.dispose();
    }
  });
});

describe('the shipped profiles', () => {
  it.each(versions)('%s: is valid and made for its bundle and task', async (version) => {
    const bundle = await openDemoBundle(version);
    const profile = parseProfile(await readFile(demoProfilePath(version), 'utf8'));
    expect(profile.model.numLayers).toBe(bundle.manifest.numLayers);
    expect(profile.model.fingerprint).toBe(bundle.manifest.fingerprint);
    expect(profile.task.format).toBe(DEMO_MODEL.task);
    // The search found something to skip: otherwise there is nothing to ship.
    const skipped = Object.values(profile.stages).reduce((n, s) => n + s.skip.length, 0);
    expect(skipped).toBeGreaterThan(0);
  });
});
