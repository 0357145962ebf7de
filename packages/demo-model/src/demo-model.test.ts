import { readFile } from 'node:fs/promises';
import { nodeBackend } from '@litestage/backend-node';
import { createEngine, fullDepthProfile } from '@litestage/core';
import { loadBundleTokenizer } from '@litestage/model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat, questionOfRecord, SYNTHETIC_OPTION_COUNT } from '@litestage/tasks';
import { collectTaskQuestions } from '@litestage/tasks/node';
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL, demoProfilePath, openDemoBundle } from './index.js';

describe('the demo reasoner', () => {
  it('records the option count of the questions it was trained on', () => {
    expect(DEMO_MODEL.options).toBe(SYNTHETIC_OPTION_COUNT);
  });

  // Ten questions through the real engine: up to a minute on a loaded 2-core machine.
  it('answers held-out synthetic test questions at full depth', { timeout: 180_000 }, async () => {
    const bundle = await openDemoBundle();
    expect(bundle.manifest.name).toBe(DEMO_MODEL.name);
    expect(bundle.manifest.config.numLayers).toBeGreaterThanOrEqual(8);
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

describe('the shipped profile', () => {
  it('is valid and made for this bundle and task', async () => {
    const bundle = await openDemoBundle();
    const profile = parseProfile(await readFile(demoProfilePath(), 'utf8'));
    expect(profile.model.numLayers).toBe(bundle.manifest.numLayers);
    expect(profile.model.fingerprint).toBe(bundle.manifest.fingerprint);
    expect(profile.task.format).toBe(DEMO_MODEL.task);
    // The search found something to skip: otherwise there is nothing to ship.
    const skipped = Object.values(profile.stages).reduce((n, s) => n + s.skip.length, 0);
    expect(skipped).toBeGreaterThan(0);
  });
});
