import type { Profile } from '@litestage/profile';
import type { EarlyExitShape } from './candidate.js';
import type { Evaluator } from './evaluator.js';
import { blockInfluenceMetric } from './ranking.js';
import {
  DEFAULT_EARLY_EXIT,
  type ProfileTemplate,
  type SearchOptions,
  type SearchResult,
  searchProfile,
} from './stage-wise-search.js';

/**
 * What every strategy is given: the budget of accuracy and how latency and progress are
 * handled. Which sub-layers are ranked how, and whether budgets are per stage, is the
 * strategy's own choice.
 */
export type StrategyOptions = Pick<
  SearchOptions,
  | 'epsilon'
  | 'maxBudget'
  | 'latency'
  | 'pruning'
  | 'batchSize'
  | 'thresholdGrid'
  | 'checkpoint'
  | 'signal'
  | 'onProgress'
  | 'now'
> & {
  /** The early-exit shape a strategy with early exit tunes (default: max probability, window 4). */
  readonly earlyExit?: EarlyExitShape;
};

export interface StrategyResult {
  readonly profile: Profile;
  /** The search behind the profile; null for a strategy that evaluates nothing. */
  readonly search: SearchResult | null;
}

/**
 * A way of choosing what to skip, as `litestage bench` compares them: the paper's method,
 * its ablations and prior training-free skipping. A contributor adds one by implementing
 * this and registering it with `registerSearchStrategy`.
 */
export interface SearchStrategy {
  /** Short, as the bench names it: `litestage`, `uniform`, ... */
  readonly name: string;
  /** One sentence: what it skips, by which ranking, and where it comes from. */
  readonly description: string;
  /** Whether its profiles may end stages early (tunes an early-exit threshold). */
  readonly earlyExit: boolean;
  /** The profile for this model, task and calibration questions. */
  profile(
    evaluator: Evaluator,
    template: ProfileTemplate,
    options: StrategyOptions,
  ): Promise<StrategyResult>;
}

/** What a preset fixes of `searchProfile`'s options. */
type Preset = Omit<SearchOptions, keyof StrategyOptions | 'strategy' | 'earlyExit'> & {
  readonly earlyExit: boolean;
};

/** A strategy that is one call of `searchProfile` with some options fixed. */
function presetStrategy(name: string, description: string, preset: Preset): SearchStrategy {
  const { earlyExit, ...fixed } = preset;
  return {
    name,
    description,
    earlyExit,
    async profile(evaluator, template, options) {
      const search = await searchProfile(evaluator, template, {
        ...options,
        ...fixed,
        earlyExit: earlyExit ? (options.earlyExit ?? DEFAULT_EARLY_EXIT) : null,
        strategy: name,
      });
      return { profile: search.profile, search };
    },
  };
}

/** Every layer, every stage, every token: the reference the others are measured against. */
export const fullDepthStrategy: SearchStrategy = {
  name: 'full',
  description: 'No skipping and no early exit: the model as trained.',
  earlyExit: false,
  async profile(_evaluator, template) {
    return { profile: template.base, search: null };
  },
};

export const uniformStrategy = presetStrategy(
  'uniform',
  "One sub-layer budget for all stages (LiteStage's cosine ranking over all stages' prompts, its best feasible k), no early exit: LiteStage without the stages.",
  { budgets: 'uniform', earlyExit: false },
);

export const staticLayersStrategy = presetStrategy(
  'static-layers',
  "Whole layers removed, the same in every stage, ranked by ShortGPT's block influence (1 - cosine over a layer, from the product of its two sub-layers' cosines) on the calibration prompts; the fastest layer count within the accuracy target (ShortGPT/SLEB-style; no retraining or layer replacement).",
  {
    budgets: 'uniform',
    budgetStep: 2,
    ranking: { metric: blockInfluenceMetric },
    earlyExit: false,
  },
);

export const adaskipStyleStrategy = presetStrategy(
  'adaskip-style',
  "Sub-layers ranked by input/output cosine over the full model's decode tokens, one budget for all stages (AdaSkip-style offline importance; no online re-ranking).",
  { budgets: 'uniform', ranking: { tokens: 'decode' }, earlyExit: false },
);

export const liteStageNoExitStrategy = presetStrategy(
  'litestage-no-exit',
  "LiteStage's steps 1 and 2: per-stage budgets, slowest stage first, early exit off.",
  { earlyExit: false },
);

export const liteStageStrategy = presetStrategy(
  'litestage',
  "LiteStage's three steps: redundancy ranking, per-stage budgets slowest stage first, one early-exit threshold for all stages.",
  { earlyExit: true },
);

export const liteStageTunedStrategy = presetStrategy(
  'litestage+tuned',
  "LiteStage with one early-exit threshold tuned per stage, slowest first (this project's extension).",
  { earlyExit: true, perStageThresholds: true },
);

/** The strategies `litestage bench` knows, by name, in the order it reports them. */
export const searchStrategies: Map<string, SearchStrategy> = new Map(
  [
    fullDepthStrategy,
    uniformStrategy,
    staticLayersStrategy,
    adaskipStyleStrategy,
    liteStageNoExitStrategy,
    liteStageStrategy,
    liteStageTunedStrategy,
  ].map((s) => [s.name, s]),
);

/** Adds a strategy; a name already taken is refused (replace it by deleting it first). */
export function registerSearchStrategy(strategy: SearchStrategy): void {
  if (!/^[a-z0-9][a-z0-9+._-]*$/.test(strategy.name))
    throw new RangeError(
      `a strategy name is lower case letters, digits and + . _ - (got "${strategy.name}")`,
    );
  if (searchStrategies.has(strategy.name))
    throw new RangeError(`a search strategy named "${strategy.name}" is already registered`);
  searchStrategies.set(strategy.name, strategy);
}
