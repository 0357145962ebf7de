import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BundleSource,
  createEngine,
  fullDepthProfile,
  type ModelSession,
  type Question,
  type Sequence,
  type StepRequest,
  type StepResult,
  type TaskFormat,
} from '@litestage/core';
import { fixturePath } from '@litestage/fixtures';
import { Llama2cTokenizer } from '@litestage/model';
import { convertCheckpoint } from '@litestage/model/convert';
import { openBundle } from '@litestage/model/node';
import { createRandomWeights, memoryBundle, tinyDecoderConfig } from '@litestage/model/testing';
import type { Profile } from '@litestage/profile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBackend } from './node-backend.js';

const data = fixturePath('stories260k');
const dir = await mkdtemp(join(tmpdir(), 'litestage-engine-'));
const tokenizer = Llama2cTokenizer.fromBytes(
  new Uint8Array(await readFile(join(data, 'tok512.bin'))),
  {
    vocabSize: 512,
    source: 'tok512.bin',
  },
);

/** Two story stages, each ending at a full stop. */
const format: TaskFormat = {
  id: 'story',
  description: 'two story sentences',
  stages: [
    {
      name: 'begin',
      prefix: 'Once upon a time,',
      stopStrings: ['.'],
      stopAtEos: true,
      maxNewTokens: 24,
    },
    { name: 'end', prefix: ' One day,', stopStrings: ['.'], stopAtEos: true, maxNewTokens: 24 },
  ],
  stagePrompt(_question, previous) {
    return (
      previous.map((o, i) => `${this.stages[i]?.prefix} ${o}.`).join('') +
      (this.stages[previous.length]?.prefix ?? '')
    );
  },
  renderTrace(question, outputs) {
    return `${this.stagePrompt(question, outputs.slice(0, -1))} ${outputs.at(-1)}.`;
  },
  parseAnswer: () => ({ ok: false, reason: 'missing', found: [] }),
};
const question: Question = { id: 'story', question: '', options: ['a', 'b'] };

interface Recorded {
  tokens: readonly number[];
  skip: StepRequest['skip'];
  lengthBefore: number;
  logits: Float32Array;
}

/** Records every step a session runs. */
function recording(session: ModelSession): ModelSession & { steps: Recorded[] } {
  const steps: Recorded[] = [];
  return {
    backend: session.backend,
    executionProvider: session.executionProvider,
    manifest: session.manifest,
    steps,
    createSequence: () => session.createSequence(),
    dispose: () => session.dispose(),
    async step(sequence: Sequence, request: StepRequest): Promise<StepResult> {
      const lengthBefore = sequence.length;
      const result = await session.step(sequence, request);
      steps.push({
        tokens: request.tokens,
        skip: request.skip,
        lengthBefore,
        logits: result.logits.slice(),
      });
      return result;
    },
  };
}

function withPolicy(
  profile: Profile,
  kvPolicy: Profile['runtime']['kvPolicy'],
  skip: Record<string, string[]> = {},
): Profile {
  return {
    ...profile,
    runtime: { ...profile.runtime, kvPolicy },
    stages: Object.fromEntries(
      Object.entries(profile.stages).map(([name, s]) => [name, { ...s, skip: skip[name] ?? [] }]),
    ),
  };
}

/** `standard` / `propagate`: the KV builds, fused (the default); `*Ops`: the same with standard ops. */
interface Bundles {
  standard: BundleSource;
  propagate: BundleSource;
  standardOps: BundleSource;
  propagateStandardOps: BundleSource;
}
const bundles: Record<string, Bundles> = {};
const sessions: ModelSession[] = [];
beforeAll(async () => {
  await convertCheckpoint({
    input: join(data, 'stories260K.bin'),
    tokenizer: join(data, 'tok512.bin'),
    out: join(dir, 's'),
  });
  await convertCheckpoint({
    input: join(data, 'stories260K.bin'),
    tokenizer: join(data, 'tok512.bin'),
    out: join(dir, 'p'),
    propagateKv: true,
    plainGraph: false,
  });
  for (const [out, propagateKv] of [
    ['s-ops', false],
    ['p-ops', true],
  ] as const) {
    await convertCheckpoint({
      input: join(data, 'stories260K.bin'),
      tokenizer: join(data, 'tok512.bin'),
      out: join(dir, out),
      propagateKv,
      plainGraph: false,
      graph: 'standard',
    });
  }
  bundles.stories260K = {
    standard: await openBundle(join(dir, 's')),
    propagate: await openBundle(join(dir, 'p')),
    standardOps: await openBundle(join(dir, 's-ops')),
    propagateStandardOps: await openBundle(join(dir, 'p-ops')),
  };
  const config = tinyDecoderConfig({ vocabSize: 512, numLayers: 4, maxPositionEmbeddings: 256 });
  const weights = createRandomWeights(config, 31);
  bundles['tiny random'] = {
    standard: await memoryBundle(config, weights),
    propagate: await memoryBundle(config, weights, { propagateKv: true }),
    standardOps: await memoryBundle(config, weights, { graph: 'standard' }),
    propagateStandardOps: await memoryBundle(config, weights, {
      propagateKv: true,
      graph: 'standard',
    }),
  };
});
afterAll(async () => {
  for (const session of sessions) await session.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function load(bundle: BundleSource, kvCache: 'in-place' | 'copy' = 'copy') {
  const session = await nodeBackend.load(bundle, { threads: 1, kvCache });
  sessions.push(session);
  return recording(session);
}

describe.each(['stories260K', 'tiny random'])('the engine on %s', (name) => {
  it('gives the same text with every KV policy when nothing is skipped', async () => {
    const { standard, propagate } = bundles[name] as Bundles;
    const session = await load(standard);
    const base = fullDepthProfile(session.manifest, format);
    const texts = async (s: ModelSession, policy: Profile['runtime']['kvPolicy']) =>
      (
        await createEngine({
          session: s,
          tokenizer,
          format,
          profile: withPolicy(base, policy),
        }).run(question)
      ).stages.map((x) => x.text);
    const reprefill = await texts(session, 'reprefill');
    expect(reprefill.join('').length).toBeGreaterThan(10);
    expect(await texts(session, 'reuse')).toEqual(reprefill);
    const propagateSession = await load(propagate);
    const propagateProfile = {
      ...base,
      model: { ...base.model, fingerprint: propagateSession.manifest.fingerprint },
    };
    const viaPropagate = (
      await createEngine({
        session: propagateSession,
        tokenizer,
        format,
        profile: withPolicy(propagateProfile, 'propagate'),
      }).run(question)
    ).stages.map((x) => x.text);
    expect(viaPropagate).toEqual(reprefill);
  });

  it('reprefill after a stage with skips equals a fresh prefill of the same text, and skips change the run', async () => {
    const { standard } = bundles[name] as Bundles;
    const session = await load(standard);
    const skip = { begin: ['1.attn', '2.ffn'], end: ['0.ffn', '3.attn'] };
    const profile = withPolicy(fullDepthProfile(session.manifest, format), 'reprefill', skip);
    const skipped = await createEngine({ session, tokenizer, format, profile }).run(question);
    const secondPrefill = session.steps.find((s, i) => i > 0 && s.tokens.length > 1);
    expect(secondPrefill?.lengthBefore).toBe(0);
    const fresh = await session.step(session.createSequence(), {
      tokens: secondPrefill?.tokens ?? [],
      skip: secondPrefill?.skip,
    });
    expect(
      Math.max(...fresh.logits.map((v, i) => Math.abs(v - (secondPrefill?.logits[i] as number)))),
    ).toBeLessThanOrEqual(1e-6);

    const full = await createEngine({
      session,
      tokenizer,
      format,
      profile: withPolicy(profile, 'reprefill'),
    }).run(question);
    expect(skipped.stages.map((s) => s.text)).not.toEqual(full.stages.map((s) => s.text));
  });

  it('the fused and the standard graph give the same text under every KV policy, with skips', async () => {
    const b = bundles[name] as Bundles;
    const skip = { begin: ['1.attn', '2.ffn'], end: ['0.ffn', '3.attn'] };
    const texts = async (bundle: BundleSource, policy: Profile['runtime']['kvPolicy']) => {
      const session = await load(bundle);
      const profile = withPolicy(fullDepthProfile(session.manifest, format), policy, skip);
      const result = await createEngine({ session, tokenizer, format, profile }).run(question);
      return result.stages.map((x) => x.text);
    };
    expect(b.standard.manifest.graphFlavour).toBe('fused');
    expect(b.standardOps.manifest.graphFlavour).toBe('standard');
    // Same weights, same fingerprint: a profile applies to either flavour.
    expect(b.standardOps.manifest.fingerprint).toBe(b.standard.manifest.fingerprint);
    for (const policy of ['reprefill', 'reuse'] as const) {
      const fused = await texts(b.standard, policy);
      expect(fused.join('').length).toBeGreaterThan(10);
      expect(fused).toEqual(await texts(b.standardOps, policy));
    }
    expect(await texts(b.propagate, 'propagate')).toEqual(
      await texts(b.propagateStandardOps, 'propagate'),
    );
  });

  it('keeping K/V in place gives the texts of copied caches, under reuse and reprefill, with skips', async () => {
    const { standard } = bundles[name] as Bundles;
    const skip = { begin: ['1.attn', '2.ffn'], end: ['0.ffn', '3.attn'] };
    const run = async (kvCache: 'in-place' | 'copy', policy: Profile['runtime']['kvPolicy']) => {
      const session = await load(standard, kvCache);
      const profile = withPolicy(fullDepthProfile(session.manifest, format), policy, skip);
      const result = await createEngine({ session, tokenizer, format, profile }).run(question);
      return { texts: result.stages.map((x) => x.text), steps: session.steps };
    };
    for (const policy of ['reprefill', 'reuse'] as const) {
      const copied = await run('copy', policy);
      const inPlace = await run('in-place', policy);
      expect(copied.texts.join('').length).toBeGreaterThan(10);
      expect(inPlace.texts).toEqual(copied.texts);
      expect(inPlace.steps.length).toBe(copied.steps.length);
      const worst = Math.max(
        ...inPlace.steps.map((s, i) =>
          Math.max(...s.logits.map((v, k) => Math.abs(v - (copied.steps[i]?.logits[k] as number)))),
        ),
      );
      expect(worst).toBeLessThanOrEqual(1e-5);
    }
  });

  it('collects the cosines of every sub-layer at each prefill', async () => {
    const { standard } = bundles[name] as Bundles;
    const session = await load(standard);
    const result = await createEngine({
      session,
      tokenizer,
      format,
      profile: fullDepthProfile(session.manifest, format),
    }).run(question, {
      collectCosines: true,
    });
    for (const stage of result.stages) {
      expect(stage.cosines?.attn).toHaveLength(session.manifest.numLayers);
      expect(stage.cosines?.attn[0]).toHaveLength(stage.prefillTokens);
      expect([...(stage.cosines?.ffn[0] ?? [])].every((c) => c > -1 && c < 1)).toBe(true);
    }
  });
});
