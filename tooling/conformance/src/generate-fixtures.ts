// Regenerates the conformance fixtures: `pnpm --filter @litestage/conformance generate-fixtures`
// (after `pnpm build`). For every spec: random weights (seeded) written as a Hugging Face
// checkpoint, converted by the project's converter into a bundle, a profile for it with the
// spec's skip set, and the expected greedy tokens and logits of the TypeScript reference
// forward on the weights as converted.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fullDepthProfile } from '@litestage/core';
import { convertCheckpoint } from '@litestage/model/convert';
import { openBundle } from '@litestage/model/node';
import { createRandomWeights, writeHuggingFaceCheckpoint } from '@litestage/model/testing';
import { parseProfile, serializeProfile } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';
import {
  CONFORMANCE_FORMAT_VERSION,
  type ConformanceCase,
  type ConformanceIndex,
} from './conformance-case.js';
import { CONFORMANCE_FIXTURES } from './node/conformance-fixtures.js';
import {
  CONFORMANCE_STAGE,
  type ConformanceSpec,
  conformanceSpecs,
} from './node/conformance-specs.js';
import { conformanceTokenizers, conformanceVocab } from './node/conformance-vocab.js';
import { referenceExpectation } from './node/reference-expectation.js';

/**
 * Greedy tokens are only a fair test when no step is a near tie: with every logit within
 * the tolerance, a margin above twice the tolerance fixes the argmax; this asks for twice
 * that. A spec whose weights give a near tie takes the next seed of its sequence.
 */
const MIN_MARGIN_OVER_TOLERANCE = 4;
const SEED_ATTEMPTS = 50;

/** The first seed of the spec's sequence whose reference run has no near tie. */
async function seedWithMargin(spec: ConformanceSpec) {
  for (let attempt = 0; attempt < SEED_ATTEMPTS; attempt++) {
    const seed = spec.seed + 1000 * attempt;
    const weights = createRandomWeights(spec.config, seed);
    const expected = await referenceExpectation(spec, spec.config, weights);
    if (expected.minTopMargin >= MIN_MARGIN_OVER_TOLERANCE * spec.tolerance)
      return { seed, weights, expected };
  }
  throw new Error(`${spec.name}: every seed tried gives a near tie; change its prompt`);
}

const folder = CONFORMANCE_FIXTURES;
for (const sub of ['bundles', 'cases', 'profiles']) {
  await rm(join(folder, sub), { recursive: true, force: true });
  await mkdir(join(folder, sub), { recursive: true });
}
const work = await mkdtemp(join(tmpdir(), 'litestage-conformance-'));
const tokenizers = conformanceTokenizers();
const specs = conformanceSpecs(conformanceVocab());
try {
  for (const spec of specs) {
    const { seed, weights, expected } = await seedWithMargin(spec);
    const checkpoint = join(work, spec.name);
    await writeHuggingFaceCheckpoint(checkpoint, spec.config, weights);
    const tokenizer = spec.config.architecture === 'qwen2' ? tokenizers.qwen2 : tokenizers.llama;
    await writeFile(join(checkpoint, 'tokenizer.json'), tokenizer.tokenizerJson);
    await writeFile(join(checkpoint, 'tokenizer_config.json'), tokenizer.config);
    const bundle = `bundles/${spec.name}`;
    await convertCheckpoint({
      input: checkpoint,
      out: join(folder, bundle),
      dtype: spec.dtype,
      quantization: spec.quantization,
      plainGraph: false,
      propagateKv: spec.propagateKv,
      name: spec.name,
    });
    const { manifest } = await openBundle(join(folder, bundle));
    const full = fullDepthProfile(manifest, getTaskFormat('tinythinker'));
    const profile = parseProfile({
      ...full,
      stages: {
        ...full.stages,
        [CONFORMANCE_STAGE]: { ...full.stages[CONFORMANCE_STAGE], skip: [...spec.skip] },
      },
    });
    const profileFile = `profiles/${spec.name}.json`;
    await writeFile(join(folder, profileFile), serializeProfile(profile));
    const kase: ConformanceCase = {
      formatVersion: CONFORMANCE_FORMAT_VERSION,
      name: spec.name,
      description: spec.description,
      seed,
      bundle,
      profile: profileFile,
      stage: CONFORMANCE_STAGE,
      prompt: spec.prompt,
      maxNewTokens: spec.maxNewTokens,
      tolerance: { logits: spec.tolerance },
      notOn: spec.notOn,
      expected: {
        tokens: expected.tokens,
        // Seven significant digits: float32 precision, far below any tolerance.
        logits: expected.logits.map((row) => row.map((v) => Number(v.toPrecision(7)))),
        minTopMargin: Number(expected.minTopMargin.toPrecision(7)),
      },
    };
    await writeFile(join(folder, 'cases', `${spec.name}.json`), `${JSON.stringify(kase)}\n`);
    console.log(
      `${spec.name}: tokens ${expected.tokens.join(' ')} (min margin ${expected.minTopMargin.toFixed(3)})`,
    );
  }
  const index: ConformanceIndex = {
    formatVersion: CONFORMANCE_FORMAT_VERSION,
    generatedBy: 'pnpm --filter @litestage/conformance generate-fixtures',
    cases: specs.map((s) => s.name),
  };
  await writeFile(join(folder, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
