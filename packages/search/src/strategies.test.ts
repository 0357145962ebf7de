import { describe, expect, it } from 'vitest';
import { measuredLatency } from './latency.js';
import { MemoryCheckpointStore } from './search-checkpoint.js';
import { MemoryEvaluationStore, SharedEvaluations } from './shared-evaluations.js';
import {
  registerSearchStrategy,
  type SearchStrategy,
  type StrategyOptions,
  searchStrategies,
} from './strategies.js';
import { FakeEvaluator, STAGES } from './test-utils/fake-evaluator.js';
import { fixedClock, template } from './test-utils/fake-template.js';

const options: StrategyOptions = {
  latency: measuredLatency,
  epsilon: 0.3,
  pruning: 'none',
  thresholdGrid: [0.2, 0.4],
  now: fixedClock,
};

function strategy(name: string): SearchStrategy {
  const found = searchStrategies.get(name);
  if (!found) throw new Error(`no strategy ${name}`);
  return found;
}

const skipsOf = (profile: { stages: Record<string, { skip: readonly string[] }> }) =>
  STAGES.map((s) => profile.stages[s]?.skip ?? []);

describe('search strategies', () => {
  it('registers the baselines and LiteStage, in report order', () => {
    expect([...searchStrategies.keys()]).toEqual([
      'full',
      'uniform',
      'static-layers',
      'adaskip-style',
      'litestage-no-exit',
      'litestage',
      'litestage+tuned',
    ]);
    for (const s of searchStrategies.values()) expect(s.description.length).toBeGreaterThan(20);
  });

  it('full depth evaluates nothing and skips nothing', async () => {
    const evaluator = new FakeEvaluator();
    const { profile, search } = await strategy('full').profile(evaluator, template, options);
    expect(search).toBeNull();
    expect(evaluator.calls).toBe(0);
    expect(skipsOf(profile)).toEqual([[], [], []]);
  });

  it('uniform skips the same k sub-layers in every stage: the fastest feasible k', async () => {
    const { profile, search } = await strategy('uniform').profile(
      new FakeEvaluator(),
      template,
      options,
    );
    const skips = skipsOf(profile);
    expect(skips[0]).toHaveLength(2);
    expect(skips[1]).toEqual(skips[0]);
    expect(skips[2]).toEqual(skips[0]);
    const uniform = (search?.profile.provenance?.trace ?? []).filter(
      (t) => t.step === 'budget:uniform',
    );
    // Every sub-layer count was tried, each the same in all stages.
    expect(uniform.map((t) => t.budgets.recall)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const t of uniform) expect(new Set(Object.values(t.budgets)).size).toBe(1);
    const feasible = uniform.filter((t) => t.accuracy >= 0.9 - 0.3 - 1e-9);
    const fastest = Math.min(...feasible.map((t) => t.meanLatencyMs));
    expect(search?.best.meanLatencyMs).toBe(fastest);
    expect(profile.provenance?.strategy).toBe('uniform');
    expect(STAGES.every((s) => profile.stages[s]?.earlyExit === null)).toBe(true);
  });

  it('static-layers removes whole layers, the same in every stage, by block influence', async () => {
    const { profile } = await strategy('static-layers').profile(
      new FakeEvaluator(),
      template,
      options,
    );
    const budgets = (profile.provenance?.trace ?? [])
      .filter((t) => t.step === 'budget:uniform')
      .map((t) => t.budgets.recall);
    expect(budgets).toEqual([2, 4, 6, 8]);
    // The fake's cosines grow with depth at the prefill: the last layer goes first.
    for (const skip of skipsOf(profile)) expect([...skip].sort()).toEqual(['3.attn', '3.ffn']);
    expect(profile.provenance?.ranking.metric).toBe('block-influence');
  });

  it('adaskip-style ranks by the decode tokens, not the prompts', async () => {
    const evaluator = new FakeEvaluator();
    const adaskip = await strategy('adaskip-style').profile(evaluator, template, options);
    const uniform = await strategy('uniform').profile(new FakeEvaluator(), template, options);
    expect(evaluator.cosineRequests.decode).toBe(evaluator.questionIds.length);
    expect(evaluator.cosineRequests.prefill).toBe(0);
    expect(adaskip.profile.provenance?.ranking.tokens).toBe('decode');
    expect(uniform.profile.provenance?.ranking.tokens).toBeUndefined();
    // The fake reverses the order over decode tokens: early layers are the redundant ones.
    expect(skipsOf(adaskip.profile)[0]).toEqual(['0.attn', '1.attn']);
    expect(skipsOf(uniform.profile)[0]).toEqual(['3.attn', '2.attn']);
  });

  it('LiteStage without exit, with one threshold, with one per stage', async () => {
    const noExit = await strategy('litestage-no-exit').profile(
      new FakeEvaluator(),
      template,
      options,
    );
    const one = await strategy('litestage').profile(new FakeEvaluator(), template, options);
    const tuned = await strategy('litestage+tuned').profile(new FakeEvaluator(), template, options);
    const steps = (r: typeof one) => new Set(r.profile.provenance?.trace.map((t) => t.step));
    expect([...steps(noExit)].some((s) => s.startsWith('threshold'))).toBe(false);
    expect(steps(one).has('threshold:recall+analyze+summarize')).toBe(true);
    expect(steps(tuned).has('threshold:recall')).toBe(true);
    expect(steps(tuned).has('threshold:summarize')).toBe(true);
    // Step 2 is the same search in all three: per-stage budgets.
    expect(one.search?.best.candidate.budgets).toEqual(noExit.search?.best.candidate.budgets);
    const budgets = Object.values(noExit.search?.best.candidate.budgets ?? {});
    expect(new Set(budgets).size).toBeGreaterThan(1);
    expect(STAGES.every((s) => noExit.profile.stages[s]?.earlyExit === null)).toBe(true);
    expect(tuned.profile.provenance?.strategy).toBe('litestage+tuned');
  });

  it('takes a contributed strategy and refuses a taken or malformed name', () => {
    const mine: SearchStrategy = {
      name: 'my-skip',
      description: 'a test strategy that skips nothing at all',
      earlyExit: false,
      profile: async (_e, t) => ({ profile: t.base, search: null }),
    };
    registerSearchStrategy(mine);
    try {
      expect(searchStrategies.get('my-skip')).toBe(mine);
      expect(() => registerSearchStrategy(mine)).toThrow(/already registered/);
      expect(() => registerSearchStrategy({ ...mine, name: 'Bad Name' })).toThrow(/lower case/);
    } finally {
      searchStrategies.delete('my-skip');
    }
  });
});

describe('SharedEvaluations', () => {
  it('answers a question once per skip set, across strategies and runs', async () => {
    const store = new MemoryEvaluationStore();
    const inner = new FakeEvaluator();
    const shared = await SharedEvaluations.open(inner, store);
    const first = await strategy('litestage-no-exit').profile(shared, template, {
      ...options,
      checkpoint: new MemoryCheckpointStore(),
    });
    const callsAfterFirst = inner.calls;
    expect(callsAfterFirst).toBe(first.search?.questionEvaluations);
    // LiteStage repeats step 2 exactly: only its thresholds are new evaluations.
    const second = await strategy('litestage').profile(shared, template, {
      ...options,
      checkpoint: new MemoryCheckpointStore(),
    });
    const thresholdQuestions = (second.profile.provenance?.trace ?? [])
      .filter((t) => t.step.startsWith('threshold'))
      .reduce((sum, t) => sum + t.questions, 0);
    expect(inner.calls - callsAfterFirst).toBe(thresholdQuestions);
    // The full model's cosines were measured once per question.
    expect(inner.cosineRequests.prefill).toBe(inner.questionIds.length);

    // A new process reads the store back; a line cut off by a kill is dropped.
    store.lines.push('{"what":"recall:0.attn');
    const again = new FakeEvaluator();
    const reopened = await SharedEvaluations.open(again, store);
    const replay = await strategy('litestage').profile(reopened, template, {
      ...options,
      checkpoint: new MemoryCheckpointStore(),
    });
    expect(again.calls).toBe(0);
    expect(replay.profile.stages).toEqual(second.profile.stages);
    expect(reopened.shared).toBeGreaterThan(0);
  });

  it('batches only where the inner evaluator does, so a search stores each answer at once', async () => {
    const plain = await SharedEvaluations.open(new FakeEvaluator());
    expect(plain.evaluateMany).toBeUndefined();
    const inner = new FakeEvaluator();
    const batches: number[] = [];
    const batching = Object.assign(inner, {
      evaluateMany: async (
        c: Parameters<FakeEvaluator['evaluate']>[0],
        skip: Parameters<FakeEvaluator['evaluate']>[1],
        ids: readonly string[],
      ) => {
        batches.push(ids.length);
        return Promise.all(ids.map((id) => inner.evaluate(c, skip, id)));
      },
    });
    const store = new MemoryEvaluationStore();
    const shared = await SharedEvaluations.open(batching, store);
    const candidate = { budgets: { recall: 1 }, thresholds: {} };
    const skip = { recall: ['3.attn'], analyze: [], summarize: [] };
    await shared.evaluateMany?.(candidate, skip, ['q1', 'q2', 'q3']);
    await shared.evaluateMany?.(candidate, skip, ['q2', 'q3', 'q4']);
    expect(batches).toEqual([3]);
    expect(store.lines).toHaveLength(4);
  });

  it('keys evaluations by what is skipped, not by the budget that chose it', async () => {
    const shared = await SharedEvaluations.open(new FakeEvaluator());
    const skip = { recall: ['1.ffn'], analyze: [], summarize: [] };
    const a = shared.whatOf({ budgets: { recall: 1 }, thresholds: {} }, skip);
    const b = shared.whatOf({ budgets: { recall: 7 }, thresholds: {} }, skip);
    const c = shared.whatOf({ budgets: { recall: 1 }, thresholds: { recall: 0.3 } }, skip);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});
