import type { StoppingCriteria, StopReason, TokenSampler } from '@litestage/sampler';
import type { ModelSession, Sequence, SkipMask, StepResult } from './backend.js';
import type { TextStreamer } from './text-streamer.js';

export interface GenerateOptions {
  /** Ids to feed first: a prompt, or the part of it `sequence` does not hold yet (at least one). */
  readonly inputIds: readonly number[];
  /** Ids `sequence` already holds, for logits processors that look back (repetition penalty). */
  readonly previousIds?: readonly number[];
  /** Sub-layers skipped while decoding; none when omitted. */
  readonly skip?: SkipMask;
  /** Sub-layers skipped in the prefill; `skip` when omitted. */
  readonly prefillSkip?: SkipMask;
  /** Chooses each token. */
  readonly sampler: TokenSampler;
  /**
   * Decides after each token whether generation ends: a `StoppingCriteriaList` of EOS, stop
   * strings, `maxNewTokens`, early exit, plugins. Generation also ends when the model has no
   * position left for another token.
   */
  readonly stoppingCriteria: StoppingCriteria;
  /** Turns the kept tokens into text; its stop strings should be the criteria's. */
  readonly streamer: TextStreamer;
  readonly signal?: AbortSignal;
  /** Return the prefill's per-token cosines of every sub-layer (for the search). */
  readonly withCosines?: boolean;
  /** Also return every decode step's cosines of every sub-layer (for rankings over decode tokens). */
  readonly withDecodeCosines?: boolean;
}

/** Per-token cosines of every sub-layer: `attn[layer][token]`, `ffn[layer][token]`. */
export interface SubLayerCosines {
  readonly attn: readonly Float32Array[];
  readonly ffn: readonly Float32Array[];
}

export interface GenerationResult {
  /** Generated ids kept (EOS and an early exit's token are not). */
  readonly ids: readonly number[];
  /** `tokenizer.decode(ids)`, cut where a stop string begins. */
  readonly text: string;
  readonly stopReason: Exclude<StopReason, 'aborted'>;
  /** Ids this call fed to the sequence: `inputIds`, then every generated id but the last. */
  readonly fedIds: readonly number[];
  readonly prefill: StepResult;
  readonly prefillMs: number;
  /** With `withDecodeCosines`: the cosines of every decode step, one token per step, in order. */
  readonly decodeCosines?: SubLayerCosines;
}

/**
 * The one generation loop: prefill `inputIds`, then choose, check, stream and feed one
 * token at a time until a stopping criterion says stop. It yields each generated id once
 * the streamer has it, so a caller can interleave its own events; the streamer's callback
 * carries the text. Throws an `AbortError` within one model step of `signal` aborting.
 */
export async function* generate(
  session: ModelSession,
  sequence: Sequence,
  options: GenerateOptions,
): AsyncGenerator<number, GenerationResult, void> {
  const { sampler, streamer, signal, skip } = options;
  const maxPositions = session.manifest.maxPositions;
  throwIfAborted(signal);
  const started = performance.now();
  const prefill = await session.step(sequence, {
    tokens: options.inputIds,
    ...definedSkip(options.prefillSkip ?? skip),
    withCosines: Boolean(options.withCosines),
  });
  const prefillMs = performance.now() - started;
  const fedIds = [...options.inputIds];
  const seen = [...(options.previousIds ?? []), ...options.inputIds];
  const ids: number[] = [];
  let logits = prefill.logits;
  const decodeCosines = options.withDecodeCosines ? new CosineCollector() : null;
  for (;;) {
    throwIfAborted(signal);
    const id = sampler.choose(logits, seen);
    ids.push(id);
    const text = streamer.textWith([id]);
    // Every fed token takes a position; the last generated token is never fed.
    const decision =
      options.stoppingCriteria.check({ tokens: ids, text, logits }) ??
      (sequence.length >= maxPositions
        ? ({ reason: 'max-tokens', keepToken: true } as const)
        : null);
    if (decision) {
      if (decision.keepToken) streamer.put([id]);
      else ids.pop();
      const final = streamer.end(
        decision.textEnd === undefined ? {} : { textEnd: decision.textEnd },
      );
      yield id;
      return {
        ids,
        text: final,
        stopReason: decision.reason as GenerationResult['stopReason'],
        fedIds,
        prefill,
        prefillMs,
        ...(decodeCosines ? { decodeCosines: decodeCosines.result() } : {}),
      };
    }
    streamer.put([id]);
    yield id;
    throwIfAborted(signal);
    const next = await session.step(sequence, {
      tokens: [id],
      ...definedSkip(skip),
      ...(decodeCosines ? { withCosines: true } : {}),
    });
    decodeCosines?.add(next);
    fedIds.push(id);
    seen.push(id);
    logits = next.logits;
  }
}

/** Gathers decode steps' one-token cosines into `[layer][token]` arrays. */
class CosineCollector {
  private readonly attn: number[][] = [];
  private readonly ffn: number[][] = [];

  add(step: StepResult): void {
    if (!step.cosAttn || !step.cosFfn) throw new Error('the backend returned no cosines');
    append(this.attn, step.cosAttn);
    append(this.ffn, step.cosFfn);
  }

  result(): SubLayerCosines {
    return {
      attn: this.attn.map((l) => Float32Array.from(l)),
      ffn: this.ffn.map((l) => Float32Array.from(l)),
    };
  }
}

function append(into: number[][], layers: readonly Float32Array[]): void {
  for (const [j, values] of layers.entries()) {
    const layer = into[j] ?? [];
    into[j] = layer;
    for (const v of values) layer.push(v);
  }
}

function definedSkip(skip: SkipMask | undefined): { skip?: SkipMask } {
  return skip ? { skip } : {};
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DOMException('the run was aborted', 'AbortError');
}
