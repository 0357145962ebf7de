import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBundle } from '@litestage/model/node';
import { createRandomWeights } from '@litestage/model/testing';
import { describe, expect, it } from 'vitest';
import { parseConformanceCase } from './conformance-case.js';
import {
  CONFORMANCE_FIXTURES,
  loadConformanceCases,
  readConformanceIndex,
} from './node/conformance-fixtures.js';
import { conformanceSpecs } from './node/conformance-specs.js';
import { conformanceVocab } from './node/conformance-vocab.js';
import { referenceExpectation } from './node/reference-expectation.js';

const specs = conformanceSpecs(conformanceVocab());

describe('the committed conformance fixtures', () => {
  it('list exactly the specs, in order', async () => {
    expect((await readConformanceIndex()).cases).toEqual(specs.map((s) => s.name));
  });

  it.each(specs.map((s) => [s.name, s] as const))(
    '%s: bundle, profile and expected outputs are what the generator makes',
    async (name, spec) => {
      const loaded = (await loadConformanceCases()).find((c) => c.kase.name === name);
      if (!loaded) throw new Error(`no case ${name}`);
      const { kase, profile, bundleDir } = loaded;
      const { manifest } = await openBundle(bundleDir);
      expect(profile.model.fingerprint).toBe(manifest.fingerprint);
      expect(manifest.dtype).toBe(spec.dtype);
      expect(manifest.quantization).toBe(spec.quantization);
      expect(manifest.propagateKv).toBe(spec.propagateKv);
      expect(manifest.architecture).toBe(spec.config.architecture);
      expect(profile.stages[kase.stage]?.skip).toEqual(spec.skip);
      expect(kase.prompt).toEqual(spec.prompt);
      const expected = await referenceExpectation(
        spec,
        spec.config,
        createRandomWeights(spec.config, kase.seed),
      );
      expect(kase.expected.tokens).toEqual(expected.tokens);
      let max = 0;
      for (const [i, row] of expected.logits.entries())
        for (const [v, x] of row.entries())
          max = Math.max(max, Math.abs(x - (kase.expected.logits[i]?.[v] as number)));
      expect(max).toBeLessThan(1e-5);
      expect(kase.expected.minTopMargin).toBeGreaterThan(2 * kase.tolerance.logits);
    },
  );

  it('refuses a case file that is not in the format', async () => {
    const file = join(CONFORMANCE_FIXTURES, 'cases', `${specs[0]?.name}.json`);
    const kase = JSON.parse(await readFile(file, 'utf8'));
    expect(() =>
      parseConformanceCase({ ...kase, expected: { ...kase.expected, tokens: [1] } }, file),
    ).toThrow(/expected\.tokens must hold maxNewTokens token ids/);
    expect(() => parseConformanceCase({ ...kase, formatVersion: 2 }, file)).toThrow(
      /formatVersion must be 1/,
    );
  });
});
