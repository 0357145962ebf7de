// Browser-safe: the fixture format and the runner use only @litestage/core and
// @litestage/profile, so a browser backend's tests can load the same files from URLs.
import type { ModelSession } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import { type Profile, subLayerFlags } from '@litestage/profile';

/** The version of the case files this code reads. */
export const CONFORMANCE_FORMAT_VERSION = 1;

/**
 * One conformance case, as `fixtures/cases/<name>.json` holds it (the shape of
 * onnxruntime's `js/web/test/data/ops/*.jsonc`: inputs, expected outputs, a tolerance and
 * the platforms a case does not apply to). Paths are relative to the fixtures folder.
 */
export interface ConformanceCase {
  readonly formatVersion: typeof CONFORMANCE_FORMAT_VERSION;
  readonly name: string;
  /** What the case covers (architecture option, weights). */
  readonly description: string;
  /** Seed of the random weights the bundle was converted from. */
  readonly seed: number;
  /** The bundle folder: `litestage.json`, `model.onnx`, `model.onnx.data`, `tokenizer.json`. */
  readonly bundle: string;
  /** A LiteStage profile for that bundle (its fingerprint). */
  readonly profile: string;
  /** The profile stage whose skip set every step runs with (its prefill too when the profile says so). */
  readonly stage: string;
  /** Token ids fed as the prefill. */
  readonly prompt: readonly number[];
  /** Greedy steps after the prompt: the prefill gives the first token, each decode step one more. */
  readonly maxNewTokens: number;
  /** The largest absolute difference allowed between a backend's logits and the expected ones. */
  readonly tolerance: { readonly logits: number };
  /** Backends (execution providers) this case does not apply to, with the reason. */
  readonly notOn: Readonly<Record<string, string>>;
  readonly expected: {
    /** Greedy tokens, `maxNewTokens` of them (no stopping at EOS). */
    readonly tokens: readonly number[];
    /** The last position's logits before each token, `[maxNewTokens][vocab]`. */
    readonly logits: readonly (readonly number[])[];
    /** The smallest gap between the best and second-best logit over the steps. */
    readonly minTopMargin: number;
  };
}

/** The list of cases, `fixtures/index.json` (a browser cannot list a folder). */
export interface ConformanceIndex {
  readonly formatVersion: typeof CONFORMANCE_FORMAT_VERSION;
  /** How the fixtures were made. */
  readonly generatedBy: string;
  readonly cases: readonly string[];
}

/** A conformance fixture that is not what this code reads. */
export class ConformanceFixtureError extends LiteStageError {
  override readonly name = 'ConformanceFixtureError';
}

function fail(where: string, what: string): never {
  throw new ConformanceFixtureError(`${where}: ${what}`, {
    hint: 'regenerate the fixtures: pnpm --filter @litestage/conformance generate-fixtures',
  });
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0);
}

/** Checks a parsed `index.json`. */
export function parseConformanceIndex(value: unknown, where = 'index.json'): ConformanceIndex {
  const index = value as Partial<ConformanceIndex> | null;
  if (index?.formatVersion !== CONFORMANCE_FORMAT_VERSION)
    fail(where, `formatVersion must be ${CONFORMANCE_FORMAT_VERSION}`);
  if (!Array.isArray(index.cases) || !index.cases.every((c) => typeof c === 'string'))
    fail(where, 'cases must be a list of names');
  return index as ConformanceIndex;
}

/** Checks a parsed case file. */
export function parseConformanceCase(value: unknown, where: string): ConformanceCase {
  const c = value as Partial<ConformanceCase> | null;
  if (c?.formatVersion !== CONFORMANCE_FORMAT_VERSION)
    fail(where, `formatVersion must be ${CONFORMANCE_FORMAT_VERSION}`);
  for (const key of ['name', 'description', 'bundle', 'profile', 'stage'] as const)
    if (typeof c[key] !== 'string') fail(where, `${key} must be a string`);
  if (!Number.isInteger(c.seed)) fail(where, 'seed must be an integer');
  if (!isIdList(c.prompt) || c.prompt.length === 0) fail(where, 'prompt must be token ids');
  if (!Number.isInteger(c.maxNewTokens) || (c.maxNewTokens as number) < 1)
    fail(where, 'maxNewTokens must be a positive integer');
  if (!(typeof c.tolerance?.logits === 'number' && c.tolerance.logits > 0))
    fail(where, 'tolerance.logits must be a positive number');
  if (typeof c.notOn !== 'object' || c.notOn === null) fail(where, 'notOn must be an object');
  const expected = c.expected;
  if (!expected || !isIdList(expected.tokens) || expected.tokens.length !== c.maxNewTokens)
    fail(where, 'expected.tokens must hold maxNewTokens token ids');
  if (
    !Array.isArray(expected.logits) ||
    expected.logits.length !== c.maxNewTokens ||
    !expected.logits.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number'))
  )
    fail(where, 'expected.logits must hold one row of numbers per new token');
  return c as ConformanceCase;
}

/** What a backend produced for a case. */
export interface ConformanceRun {
  readonly tokens: number[];
  readonly logits: Float32Array[];
}

/** Whether a run matches a case: the same greedy tokens, logits within the tolerance. */
export interface ConformanceComparison {
  readonly tokensMatch: boolean;
  readonly maxLogitDifference: number;
  readonly withinTolerance: boolean;
}

/** The profile's fingerprint must be the session's bundle's: a fixture mixed up fails here. */
function checkProfile(session: ModelSession, kase: ConformanceCase, profile: Profile): void {
  if (profile.model.fingerprint !== session.manifest.fingerprint)
    fail(
      kase.profile,
      `the profile is for ${profile.model.fingerprint}, the bundle is ${session.manifest.fingerprint}`,
    );
  if (!profile.stages[kase.stage]) fail(kase.profile, `the profile has no stage "${kase.stage}"`);
}

/**
 * Runs a case on any backend's session: the prompt as one prefill, then greedy decode
 * steps, every step under the profile stage's skip set (the prefill only when the profile
 * skips in prefill), keeping the last position's logits of each step.
 */
export async function runConformanceCase(
  session: ModelSession,
  kase: ConformanceCase,
  profile: Profile,
): Promise<ConformanceRun> {
  checkProfile(session, kase, profile);
  const { numLayers, vocabSize } = session.manifest;
  const skip = subLayerFlags(profile.stages[kase.stage]?.skip ?? [], numLayers);
  const sequence = session.createSequence();
  const tokens: number[] = [];
  const logits: Float32Array[] = [];
  try {
    let input = [...kase.prompt];
    for (let i = 0; i < kase.maxNewTokens; i++) {
      const prefill = i === 0;
      const step = await session.step(sequence, {
        tokens: input,
        ...(prefill && !profile.runtime.skipInPrefill ? {} : { skip }),
      });
      const row = step.logits.slice(0, vocabSize);
      let best = 0;
      for (let v = 1; v < vocabSize; v++) if ((row[v] as number) > (row[best] as number)) best = v;
      logits.push(row);
      tokens.push(best);
      input = [best];
    }
  } finally {
    sequence.dispose();
  }
  return { tokens, logits };
}

/** Compares a run with the case's expected tokens and logits. */
export function compareConformanceRun(
  run: ConformanceRun,
  kase: ConformanceCase,
): ConformanceComparison {
  let max = 0;
  for (const [i, row] of kase.expected.logits.entries()) {
    const got = run.logits[i];
    if (!got || got.length !== row.length)
      return {
        tokensMatch: false,
        maxLogitDifference: Number.POSITIVE_INFINITY,
        withinTolerance: false,
      };
    for (const [v, want] of row.entries()) max = Math.max(max, Math.abs((got[v] as number) - want));
  }
  const tokensMatch =
    run.tokens.length === kase.expected.tokens.length &&
    run.tokens.every((t, i) => t === kase.expected.tokens[i]);
  return { tokensMatch, maxLogitDifference: max, withinTolerance: max <= kase.tolerance.logits };
}
