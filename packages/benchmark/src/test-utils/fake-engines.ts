import {
  type BundleManifest,
  type Engine,
  type EngineResult,
  fullDepthProfile,
  type Question,
  type TaskFormat,
} from '@litestage/core';
import type { Profile } from '@litestage/profile';

export const STAGES = ['recall', 'analyze', 'summarize'] as const;

export const format: TaskFormat = {
  id: 'fake',
  description: 'test',
  stages: STAGES.map((name) => ({
    name,
    prefix: `${name}:`,
    stopStrings: ['\n'],
    stopAtEos: true,
    maxNewTokens: 64,
  })),
  stagePrompt: () => '',
  renderTrace: () => '',
  parseAnswer: () => ({ ok: false, reason: 'missing', found: [] }),
};

const manifest: BundleManifest = {
  format: 'litestage-bundle',
  formatVersion: 1,
  name: 'fake',
  architecture: 'llama',
  numLayers: 4,
  numKvHeads: 1,
  headDim: 2,
  vocabSize: 10,
  maxPositions: 100,
  fingerprint: `sha256:${'f0'.repeat(32)}`,
  dtype: 'fp32',
  quantization: 'none',
  graphs: { gated: { file: 'm', externalData: null }, plain: null },
  propagateKv: false,
  tokenizer: { kind: 'huggingface', file: 't', configFile: null },
  bosTokenId: 1,
  eosTokenIds: [2],
};

/** A full-depth profile of the fake model, with `skip` sub-layers skipped in every stage. */
export function fakeProfile(skip = 0): Profile {
  const base = fullDepthProfile(manifest, format);
  return {
    ...base,
    stages: Object.fromEntries(
      STAGES.map((s) => [
        s,
        {
          ...(base.stages[s] as Profile['stages'][string]),
          skip: ['0.attn', '0.ffn', '1.attn'].slice(0, skip),
        },
      ]),
    ),
  };
}

export const questions: Question[] = Array.from({ length: 12 }, (_, i) => ({
  id: `q${i}`,
  question: `question ${i}`,
  options: ['a', 'b'],
  answer: 'A',
}));

/**
 * An engine that answers question i right unless `wrong(i)`, in `ms(i)` milliseconds (stages
 * share it 1:2:1), early-exiting the analyze stage when `exits(i)`; it throws on `failOn`.
 * `calls` lists the question ids it was asked, in order.
 */
export function fakeEngine(options: {
  wrong?: (i: number) => boolean;
  ms?: (i: number) => number;
  exits?: (i: number) => boolean;
  failOn?: string;
  unparsed?: (i: number) => boolean;
  calls?: string[];
  onRun?: (id: string) => void;
}): Engine {
  const run = async (question: Question): Promise<EngineResult> => {
    options.calls?.push(question.id);
    options.onRun?.(question.id);
    if (question.id === options.failOn) throw new Error(`out of memory on ${question.id}`);
    const i = Number(question.id.slice(1));
    const ms = options.ms?.(i) ?? 100;
    const unparsed = options.unparsed?.(i) ?? false;
    const right = !(options.wrong?.(i) ?? false) && !unparsed;
    return {
      questionId: question.id,
      answer: unparsed
        ? { ok: false, reason: 'missing', found: [] }
        : { ok: true, answer: right ? 'A' : 'B' },
      correct: right,
      ms,
      stages: STAGES.map((name, s) => ({
        name,
        text: '',
        tokens: 10 * (s + 1),
        prefillTokens: 5,
        prefillMs: 1,
        ms: (ms * (s === 1 ? 2 : 1)) / 4,
        exitReason: name === 'analyze' && options.exits?.(i) ? 'early-exit' : 'eos',
        skipped: [],
      })),
    };
  };
  return {
    profile: fakeProfile(),
    format,
    run,
    async *stream(question) {
      yield { type: 'done', result: await run(question) };
    },
  };
}
