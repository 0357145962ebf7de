import { type Profile, SubLayerIdError, subLayerFlags } from '@litestage/profile';
import {
  EarlyExitCriteria,
  EosTokenCriteria,
  MaxNewTokensCriteria,
  type SamplingOptions,
  type StoppingCriteria,
  StoppingCriteriaList,
  type StopReason,
  StopStringCriteria,
  TokenSampler,
} from '@litestage/sampler';
import type { ModelSession, Sequence, SkipMask } from './backend.js';
import { EngineConfigError } from './engine-config-error.js';
import {
  type GenerationResult,
  generate,
  type SubLayerCosines,
  throwIfAborted,
} from './generate.js';
import { checkKvPolicy, prepareStageSequence } from './kv-policy.js';
import type { AnswerParse, Question, StageSpec, TaskFormat } from './task-format.js';
import { TextStreamer } from './text-streamer.js';
import type { Tokenizer } from './tokenizer.js';

export interface EngineOptions {
  readonly session: ModelSession;
  readonly tokenizer: Tokenizer;
  readonly format: TaskFormat;
  readonly profile: Profile;
  /** Greedy when omitted. */
  readonly sampling?: SamplingOptions;
  /** Extra stopping criteria for a stage (plugins); asked after the built-in ones. */
  readonly stoppingCriteria?: (stage: StageSpec) => readonly StoppingCriteria[];
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Keep the per-token cosines of every sub-layer at each stage's prefill (for the search). */
  readonly collectCosines?: boolean;
  /** Also keep them at every decode step (for rankings over decode tokens; slower). */
  readonly collectDecodeCosines?: boolean;
}

export interface StageResult {
  readonly name: string;
  /** The stage's output (without its stop string), trimmed as the format writes it. */
  readonly text: string;
  /** Tokens generated in this stage. */
  readonly tokens: number;
  /** Tokens fed as this stage's prompt (all of it with `reprefill`, the new part otherwise). */
  readonly prefillTokens: number;
  readonly prefillMs: number;
  readonly ms: number;
  readonly exitReason: Exclude<StopReason, 'aborted'>;
  readonly skipped: readonly string[];
  /** `[layer][token]` at the prefill, with `collectCosines`. */
  readonly cosines?: SubLayerCosines;
  /** `[layer][token]` over the decode steps (every generated token fed back), with `collectDecodeCosines`. */
  readonly decodeCosines?: SubLayerCosines;
}

export interface EngineResult {
  readonly questionId: string;
  readonly stages: readonly StageResult[];
  readonly answer: AnswerParse;
  /** Whether the answer matches the question's gold answer; undefined without one. */
  readonly correct: boolean | undefined;
  readonly ms: number;
}

export type EngineEvent =
  | {
      readonly type: 'stage-start';
      readonly stage: string;
      readonly index: number;
      readonly skipped: readonly string[];
      readonly prefillTokens: number;
    }
  | { readonly type: 'token'; readonly stage: string; readonly id: number; readonly text: string }
  | { readonly type: 'stage-end'; readonly stage: string; readonly result: StageResult }
  | { readonly type: 'done'; readonly result: EngineResult };

export interface Engine {
  readonly profile: Profile;
  readonly format: TaskFormat;
  /** Answers a question through every stage. */
  run(question: Question, options?: RunOptions): Promise<EngineResult>;
  /** The same run as a stream of events, ending with `done`. */
  stream(question: Question, options?: RunOptions): AsyncIterable<EngineEvent>;
}

interface StagePlan {
  readonly spec: StageSpec;
  readonly skip: SkipMask;
  readonly skipped: readonly string[];
  readonly prefillSkip: SkipMask;
  readonly settings: Profile['stages'][string];
}

/** What one run of the stages carries from one stage to the next. */
interface RunState {
  readonly question: Question;
  readonly options: RunOptions;
  readonly sampler: TokenSampler;
  readonly sequence: Sequence;
  /** Ids the sequence holds, in order. */
  readonly fed: number[];
  readonly stages: StageResult[];
}

/**
 * The staged generation engine: runs a format's stages in order, each with its own skip
 * set and early exit from the profile, over one sequence whose K/V cache is handled by the
 * profile's KV policy (see `kv-policy.ts`). Each stage is one `generate` call.
 *
 * The profile is checked against the bundle and the format when the engine is created.
 */
export function createEngine(options: EngineOptions): Engine {
  const { session, tokenizer, format, profile } = options;
  const plans = planStages(session, format, profile);
  const eos =
    session.manifest.eosTokenIds.length > 0 ? session.manifest.eosTokenIds : tokenizer.eosTokenIds;

  async function* stream(
    question: Question,
    runOptions: RunOptions = {},
  ): AsyncGenerator<EngineEvent> {
    throwIfAborted(runOptions.signal);
    const sequence = session.createSequence();
    const started = now();
    const run: RunState = {
      question,
      options: runOptions,
      sampler: new TokenSampler(options.sampling),
      sequence,
      fed: [],
      stages: [],
    };
    try {
      for (const [index, plan] of plans.entries()) {
        const result = yield* runStage(run, plan, index);
        run.stages.push(result);
        yield { type: 'stage-end', stage: plan.spec.name, result };
      }
      const outputs = run.stages.map((stage) => stage.text);
      const answer = format.parseAnswer(question, outputs);
      const correct =
        question.answer === undefined ? undefined : answer.ok && answer.answer === question.answer;
      yield {
        type: 'done',
        result: {
          questionId: question.id,
          stages: run.stages,
          answer,
          correct,
          ms: now() - started,
        },
      };
    } finally {
      sequence.dispose();
    }
  }

  /** One stage: its prompt, the sequence prepared per the KV policy, then one generation. */
  async function* runStage(
    run: RunState,
    plan: StagePlan,
    index: number,
  ): AsyncGenerator<EngineEvent, StageResult> {
    const stageStart = now();
    const promptIds = stagePromptIds(run, plan);
    const { keptIds, newIds } = prepareStageSequence(
      profile.runtime.kvPolicy,
      run.sequence,
      run.fed,
      promptIds,
    );
    run.fed.length = keptIds;
    yield {
      type: 'stage-start',
      stage: plan.spec.name,
      index,
      skipped: plan.skipped,
      prefillTokens: newIds.length,
    };
    const pieces: string[] = [];
    const generation = generate(session, run.sequence, {
      inputIds: newIds,
      previousIds: run.fed,
      skip: plan.skip,
      prefillSkip: plan.prefillSkip,
      sampler: run.sampler,
      stoppingCriteria: stageCriteria(plan),
      streamer: new TextStreamer(tokenizer, {
        stopStrings: plan.spec.stopStrings,
        callbackFunction: (text) => pieces.push(text),
      }),
      ...(run.options.signal ? { signal: run.options.signal } : {}),
      withCosines: Boolean(run.options.collectCosines),
      withDecodeCosines: Boolean(run.options.collectDecodeCosines),
    });
    let id = -1;
    for (;;) {
      const step = await generation.next();
      if (!step.done) id = step.value;
      if (pieces.length > 0) {
        yield { type: 'token', stage: plan.spec.name, id, text: pieces.splice(0).join('') };
      }
      if (step.done) {
        run.fed.push(...step.value.fedIds);
        return finishStage(plan, step.value, newIds.length, now() - stageStart, run.options);
      }
    }
  }

  /** The stage's whole prompt; the tokenizer knows whether this model starts with BOS. */
  function stagePromptIds(run: RunState, plan: StagePlan): number[] {
    const outputs = run.stages.map((stage) => stage.text);
    const promptIds = tokenizer.encode(format.stagePrompt(run.question, outputs), { addBos: true });
    const maxPositions = session.manifest.maxPositions;
    if (promptIds.length > maxPositions) {
      throw new RangeError(
        `the ${plan.spec.name} prompt is ${promptIds.length} tokens; this model supports ${maxPositions} positions`,
      );
    }
    return promptIds;
  }

  function stageCriteria(plan: StagePlan): StoppingCriteriaList {
    return new StoppingCriteriaList([
      new EosTokenCriteria(plan.spec.stopAtEos ? eos : []),
      new StopStringCriteria(plan.spec.stopStrings),
      new MaxNewTokensCriteria(plan.settings.maxNewTokens),
      ...(plan.settings.earlyExit ? [new EarlyExitCriteria(plan.settings.earlyExit)] : []),
      ...(options.stoppingCriteria?.(plan.spec) ?? []),
    ]);
  }

  return {
    profile,
    format,
    stream,
    async run(question, runOptions) {
      for await (const event of stream(question, runOptions)) {
        if (event.type === 'done') return event.result;
      }
      throw new Error('the run ended without a result');
    },
  };
}

/** The stage's result from its generation: the text trimmed as the format writes it. */
function finishStage(
  plan: StagePlan,
  generation: GenerationResult,
  prefillTokens: number,
  ms: number,
  runOptions: RunOptions,
): StageResult {
  const { prefill } = generation;
  return {
    name: plan.spec.name,
    text: generation.text.trim(),
    tokens: generation.ids.length,
    prefillTokens,
    prefillMs: generation.prefillMs,
    ms,
    exitReason: generation.stopReason,
    skipped: plan.skipped,
    ...(runOptions.collectCosines && prefill.cosAttn && prefill.cosFfn
      ? { cosines: { attn: prefill.cosAttn, ffn: prefill.cosFfn } }
      : {}),
    ...(generation.decodeCosines ? { decodeCosines: generation.decodeCosines } : {}),
  };
}

function planStages(session: ModelSession, format: TaskFormat, profile: Profile): StagePlan[] {
  const manifest = session.manifest;
  if (profile.model.fingerprint !== manifest.fingerprint) {
    throw new EngineConfigError(
      `the profile was made for model "${profile.model.name}" (${profile.model.fingerprint}), but the bundle is "${manifest.name}" (${manifest.fingerprint})`,
    );
  }
  if (profile.model.numLayers !== manifest.numLayers) {
    throw new EngineConfigError(
      `the profile says ${profile.model.numLayers} layers, but the bundle has ${manifest.numLayers}`,
    );
  }
  const formatStages = format.stages.map((s) => s.name);
  for (const name of [...profile.task.stages, ...Object.keys(profile.stages)]) {
    if (!formatStages.includes(name)) {
      throw new EngineConfigError(
        `the profile names stage "${name}", which format "${format.id}" does not have (its stages: ${formatStages.join(', ')})`,
      );
    }
  }
  if (profile.task.stages.join() !== formatStages.join()) {
    throw new EngineConfigError(
      `the profile's stages (${profile.task.stages.join(', ')}) differ from format "${format.id}" (${formatStages.join(', ')})`,
    );
  }
  checkKvPolicy(profile.runtime.kvPolicy, manifest);
  const none = maskOf([], manifest.numLayers);
  return format.stages.map((spec) => {
    const settings = profile.stages[spec.name];
    if (!settings)
      throw new EngineConfigError(`the profile has no settings for stage "${spec.name}"`);
    const skip = maskOf(settings.skip, manifest.numLayers);
    return {
      spec,
      skip,
      skipped: settings.skip,
      prefillSkip: profile.runtime.skipInPrefill ? skip : none,
      settings,
    };
  });
}

function maskOf(ids: readonly string[], numLayers: number): SkipMask {
  try {
    return subLayerFlags(ids, numLayers);
  } catch (error) {
    if (error instanceof SubLayerIdError) throw new EngineConfigError(`profile: ${error.message}`);
    throw error;
  }
}

function now(): number {
  return performance.now();
}
