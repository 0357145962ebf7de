import { LiteStageError } from '@litestage/errors';
import { type Profile, parseSubLayerId, SubLayerIdError } from '@litestage/profile';
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
import type { ModelSession, SkipMask } from './backend.js';
import type { AnswerParse, Question, StageSpec, TaskFormat } from './task-format.js';
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
  readonly cosines?: {
    readonly attn: readonly Float32Array[];
    readonly ffn: readonly Float32Array[];
  };
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

/** A profile or setup that cannot run on this bundle and format, found before any work. */
export class EngineConfigError extends LiteStageError {
  override readonly name = 'EngineConfigError';
}

interface StagePlan {
  readonly spec: StageSpec;
  readonly skip: SkipMask;
  readonly skipped: readonly string[];
  readonly prefillSkip: SkipMask;
  readonly settings: Profile['stages'][string];
}

/**
 * The staged generation engine: runs a format's stages in order, each with its own skip
 * set and early exit from the profile, over one sequence whose K/V cache is handled by the
 * profile's KV policy:
 *
 * - `reprefill`: every stage recomputes its whole prompt with its own skip set;
 * - `reuse`: the cache is kept; only the new part of each prompt is fed (a layer attends
 *   only to positions where it ran);
 * - `propagate`: as `reuse`, on a bundle built so skipped attention still writes its K/V.
 *
 * The profile is checked against the bundle and the format when the engine is created.
 */
export function createEngine(options: EngineOptions): Engine {
  const { session, tokenizer, format, profile } = options;
  const plans = planStages(session, format, profile);
  const kvPolicy = profile.runtime.kvPolicy;
  const maxPositions = session.manifest.maxPositions;
  const eos =
    session.manifest.eosTokenIds.length > 0 ? session.manifest.eosTokenIds : tokenizer.eosTokenIds;

  async function* stream(
    question: Question,
    runOptions: RunOptions = {},
  ): AsyncGenerator<EngineEvent> {
    const { signal } = runOptions;
    throwIfAborted(signal);
    const sampler = new TokenSampler(options.sampling);
    const sequence = session.createSequence();
    const started = now();
    try {
      let fed: number[] = [];
      const outputs: string[] = [];
      const stages: StageResult[] = [];
      for (const [index, plan] of plans.entries()) {
        const stageStart = now();
        const promptText = format.stagePrompt(question, outputs);
        // The tokenizer knows whether this model starts sequences with BOS.
        const promptIds = tokenizer.encode(promptText, { addBos: true });
        if (promptIds.length > maxPositions) {
          throw new RangeError(
            `the ${plan.spec.name} prompt is ${promptIds.length} tokens; this model supports ${maxPositions} positions`,
          );
        }
        if (kvPolicy === 'reprefill') {
          sequence.reset();
          fed = [];
        } else {
          const common = commonPrefixLength(fed, promptIds);
          // Always feed at least one token: the last prompt token's logits start the stage.
          const keep = Math.min(common, promptIds.length - 1);
          if (keep < fed.length) {
            sequence.truncate(keep);
            fed = fed.slice(0, keep);
          }
        }
        const newIds = promptIds.slice(fed.length);
        yield {
          type: 'stage-start',
          stage: plan.spec.name,
          index,
          skipped: plan.skipped,
          prefillTokens: newIds.length,
        };

        throwIfAborted(signal);
        const prefill = await session.step(sequence, {
          tokens: newIds,
          skip: plan.prefillSkip,
          withCosines: Boolean(runOptions.collectCosines),
        });
        fed.push(...newIds);
        const prefillMs = now() - stageStart;
        throwIfAborted(signal);

        // Every fed token takes a position; the last generated token is never fed.
        const cap = Math.min(plan.settings.maxNewTokens, maxPositions - sequence.length + 1);
        const criteria = new StoppingCriteriaList([
          new EosTokenCriteria(plan.spec.stopAtEos ? eos : []),
          new StopStringCriteria(plan.spec.stopStrings),
          new MaxNewTokensCriteria(cap),
          ...(plan.settings.earlyExit ? [new EarlyExitCriteria(plan.settings.earlyExit)] : []),
          ...(options.stoppingCriteria?.(plan.spec) ?? []),
        ]);
        const generated: number[] = [];
        // The stage text is always the exact decoding of the kept tokens; token events send
        // it piece by piece, holding back what a later token may still change (a possible
        // start of a stop string, trailing whitespace, an incomplete character).
        let text = '';
        let emitted = 0;
        let logits = prefill.logits;
        let exitReason: StageResult['exitReason'];
        for (;;) {
          const id = sampler.choose(logits, fed);
          generated.push(id);
          const previous = text;
          text = tokenizer.decode(generated);
          const decision = criteria.check({ tokens: generated, text, logits });
          if (decision) {
            exitReason = decision.reason as StageResult['exitReason'];
            if (!decision.keepToken) {
              generated.pop();
              text = previous;
            }
            if (decision.textEnd !== undefined) text = text.slice(0, decision.textEnd);
            if (text.length > emitted) {
              yield { type: 'token', stage: plan.spec.name, id, text: text.slice(emitted) };
              emitted = text.length;
            }
            break;
          }
          const safe = safeLength(text, plan.spec.stopStrings);
          if (safe > emitted) {
            yield { type: 'token', stage: plan.spec.name, id, text: text.slice(emitted, safe) };
            emitted = safe;
          }
          throwIfAborted(signal);
          const next = await session.step(sequence, { tokens: [id], skip: plan.skip });
          fed.push(id);
          logits = next.logits;
          throwIfAborted(signal);
        }
        const output = text.trim();
        outputs.push(output);
        const result: StageResult = {
          name: plan.spec.name,
          text: output,
          tokens: generated.length,
          prefillTokens: newIds.length,
          prefillMs,
          ms: now() - stageStart,
          exitReason,
          skipped: plan.skipped,
          ...(runOptions.collectCosines && prefill.cosAttn && prefill.cosFfn
            ? { cosines: { attn: prefill.cosAttn, ffn: prefill.cosFfn } }
            : {}),
        };
        stages.push(result);
        yield { type: 'stage-end', stage: plan.spec.name, result };
      }
      const answer = format.parseAnswer(question, outputs);
      const correct =
        question.answer === undefined ? undefined : answer.ok && answer.answer === question.answer;
      yield {
        type: 'done',
        result: { questionId: question.id, stages, answer, correct, ms: now() - started },
      };
    } finally {
      sequence.dispose();
    }
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
  const policy = profile.runtime.kvPolicy;
  if (policy === 'propagate' && !manifest.propagateKv) {
    throw new EngineConfigError(
      'the profile uses the propagate KV policy, but the bundle was not built for it (convert with --kv-propagate)',
    );
  }
  if (policy !== 'propagate' && manifest.propagateKv) {
    throw new EngineConfigError(
      `the bundle was built for the propagate KV policy, but the profile says "${policy}"`,
    );
  }
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
  const attn = Array<boolean>(numLayers).fill(false);
  const ffn = Array<boolean>(numLayers).fill(false);
  for (const id of ids) {
    try {
      const { layer, kind } = parseSubLayerId(id, numLayers);
      (kind === 'attn' ? attn : ffn)[layer] = true;
    } catch (error) {
      if (error instanceof SubLayerIdError)
        throw new EngineConfigError(`profile: ${error.message}`);
      throw error;
    }
  }
  return { attn, ffn };
}

/**
 * How much of `text` can be shown for sure: without a trailing part that may be the start
 * of a stop string, trailing whitespace (a tokenizer may still attach it differently) or an
 * incomplete character.
 */
function safeLength(text: string, stopStrings: readonly string[]): number {
  let end = text.length;
  for (const stop of stopStrings) {
    for (let n = Math.min(stop.length - 1, text.length); n > 0; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        end = Math.min(end, text.length - n);
        break;
      }
    }
  }
  while (end > 0 && /[\s\uFFFD]/.test(text[end - 1] as string)) end--;
  return end;
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('the run was aborted', 'AbortError');
}

function now(): number {
  return performance.now();
}
