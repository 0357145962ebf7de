/**
 * The pure part of the early-exit savings benchmark: which budgets it runs (the profile's
 * skip sets, and heavier ones taken further down the profile's own ranking), the two
 * variants of each (with and without early exit), and what early exit saved in each stage.
 */
import type { EngineResult } from '@litestage/core';
import type { EarlyExitSettings, Profile, StageSettings } from '@litestage/profile';

/** One skip budget: the sub-layers each stage skips. */
export interface SkipBudget {
  /** `profile`, or `+h` for the profile's skip sets extended by h ranked sub-layers. */
  readonly name: string;
  readonly extra: number;
  readonly skip: Readonly<Record<string, readonly string[]>>;
}

/**
 * The profile's own budget, then one per `heavier` count h: each stage's skip set extended
 * by the next h sub-layers of `ranking` (most redundant first) that it does not skip yet.
 * A stage that runs out of ranked sub-layers skips all of them.
 */
export function skipBudgets(
  profile: Profile,
  ranking: readonly string[],
  heavier: readonly number[],
): SkipBudget[] {
  const own = Object.fromEntries(
    Object.entries(profile.stages).map(([name, stage]) => [name, [...stage.skip]]),
  );
  const budgets: SkipBudget[] = [{ name: 'profile', extra: 0, skip: own }];
  for (const extra of heavier) {
    const skip = Object.fromEntries(
      Object.entries(own).map(([name, skipped]) => [
        name,
        [...skipped, ...ranking.filter((id) => !skipped.includes(id)).slice(0, extra)],
      ]),
    );
    budgets.push({ name: `+${extra}`, extra, skip });
  }
  return budgets;
}

/**
 * The profile run with `budget`'s skip sets. With `earlyExit`, each stage keeps the
 * profile's early-exit settings, or takes `fallback` where it has none; without, no stage
 * exits early. Provenance is dropped: its figures describe the profile, not this variant.
 */
export function budgetProfile(
  profile: Profile,
  budget: SkipBudget,
  earlyExit: boolean,
  fallback: EarlyExitSettings | null,
): Profile {
  const { provenance: _figuresOfTheProfile, ...rest } = profile;
  const stages: Record<string, StageSettings> = {};
  for (const [name, stage] of Object.entries(profile.stages)) {
    stages[name] = {
      ...stage,
      skip: [...(budget.skip[name] ?? stage.skip)],
      earlyExit: earlyExit ? (stage.earlyExit ?? fallback) : null,
    };
  }
  return { ...rest, stages };
}

/** How one method's outputs of one stage ended. */
export interface StageEnding {
  readonly meanTokens: number;
  /** Outputs that ended by early exit. */
  readonly earlyExits: number;
  /** Outputs that ran to the stage's token cap. */
  readonly capped: number;
}

/** Per stage: mean tokens, early exits and outputs cut at the cap, over `results`. */
export function stageEndings(
  results: readonly EngineResult[],
  stages: readonly string[],
): Record<string, StageEnding> {
  const endings: Record<string, StageEnding> = {};
  for (const name of stages) {
    const outputs = results.flatMap((r) => r.stages.filter((s) => s.name === name));
    const tokens = outputs.reduce((sum, s) => sum + s.tokens, 0);
    endings[name] = {
      meanTokens: results.length > 0 ? tokens / results.length : 0,
      earlyExits: outputs.filter((s) => s.exitReason === 'early-exit').length,
      capped: outputs.filter((s) => s.exitReason === 'max-tokens').length,
    };
  }
  return endings;
}

/** Per stage: mean tokens without early exit minus with it, on the same budget. */
export function tokensSaved(
  withExit: Readonly<Record<string, StageEnding>>,
  withoutExit: Readonly<Record<string, StageEnding>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(withExit).map(([name, ending]) => [
      name,
      (withoutExit[name]?.meanTokens ?? 0) - ending.meanTokens,
    ]),
  );
}

/** `--heavier 2,4,6` as counts: positive integers, each once, in the order given. */
export function parseHeavier(text: string): number[] {
  if (text.trim() === '') return [];
  const counts = text.split(',').map((part) => Number(part.trim()));
  const bad = counts.find((n) => !Number.isInteger(n) || n < 1);
  if (bad !== undefined) {
    throw new RangeError(`--heavier takes positive integers separated by commas, not "${text}"`);
  }
  return [...new Set(counts)];
}
