import { describe, expect, it } from 'vitest';
import { measuredLatency } from './latency.js';
import { angularMetric, blockInfluenceMetric, rankSubLayers } from './ranking.js';
import { MemoryCheckpointStore, SearchCheckpointError } from './search-checkpoint.js';
import { type SearchOptions, type SearchProgress, searchProfile } from './stage-wise-search.js';
import { FakeEvaluator, STAGES } from './test-utils/fake-evaluator.js';
import { fixedClock, manifest, template } from './test-utils/fake-template.js';

function run(evaluator: FakeEvaluator, options: Partial<SearchOptions> = {}) {
  const events: SearchProgress[] = [];
  return {
    events,
    result: searchProfile(evaluator, template, {
      latency: measuredLatency,
      now: fixedClock,
      earlyExit: null,
      onProgress: (e) => events.push(e),
      ...options,
    }),
  };
}

describe('the stage-wise search', () => {
  it('fixes the slowest stage first', async () => {
    const { events, result } = run(new FakeEvaluator());
    await result;
    expect(
      events.filter((e) => e.type === 'decided').map((e) => e.type === 'decided' && e.stage),
    ).toEqual(['analyze', 'recall', 'summarize']);
  });

  it('keeps the feasible budget with the lowest latency, not the largest feasible one', async () => {
    const { result } = run(new FakeEvaluator(), { epsilon: 0.2 });
    const { profile, best, baseline } = await result;
    // analyze: accuracy allows k up to 8, but its latency is lowest at k = 4 (rambling after).
    expect(best.candidate.budgets.analyze).toBe(4);
    expect(profile.stages.analyze?.skip).toHaveLength(4);
    const analyzeTrace = profile.provenance?.trace.filter((t) => t.step === 'budget:analyze') ?? [];
    const feasibleLarger = analyzeTrace.filter(
      (t) => (t.budgets.analyze ?? 0) > 4 && !t.pruned && t.accuracy >= baseline.accuracy - 0.2,
    );
    expect(feasibleLarger.length).toBeGreaterThan(0);
    expect(best.meanLatencyMs).toBeLessThan(baseline.meanLatencyMs);
  });

  it('respects the target accuracy', async () => {
    for (const epsilon of [0, 0.04, 0.1, 0.3]) {
      const { best, baseline, profile } = await run(new FakeEvaluator(), { epsilon }).result;
      expect(best.accuracy).toBeGreaterThanOrEqual(baseline.accuracy - epsilon - 1e-12);
      expect(profile.provenance?.result.accuracy).toBe(best.accuracy);
      expect(profile.provenance?.epsilon).toBe(epsilon);
    }
  });

  it('reaches the same budgets as an exhaustive scan with fewer question evaluations', async () => {
    for (const pruning of ['wilson', 'exact'] as const) {
      const exhaustive = await run(new FakeEvaluator(), { pruning: 'none', epsilon: 0.06 }).result;
      const pruned = await run(new FakeEvaluator(), { pruning, epsilon: 0.06 }).result;
      expect(pruned.best.candidate).toEqual(exhaustive.best.candidate);
      expect(pruned.profile.stages).toEqual(exhaustive.profile.stages);
      expect(pruned.questionEvaluations).toBeLessThan(exhaustive.questionEvaluations);
      expect(exhaustive.questionEvaluations).toBe(exhaustive.exhaustiveQuestionEvaluations);
      expect(pruned.profile.provenance?.cost).toEqual({
        questionEvaluations: pruned.questionEvaluations,
        exhaustiveQuestionEvaluations: exhaustive.exhaustiveQuestionEvaluations,
      });
    }
  });

  it('tunes the early-exit threshold within the target', async () => {
    const { best, baseline, profile } = await run(new FakeEvaluator(), {
      epsilon: 0.1,
      earlyExit: { confidence: 'maxProb', window: 4 },
      thresholdGrid: [0.2, 0.4, 0.9],
    }).result;
    expect(best.accuracy).toBeGreaterThanOrEqual(baseline.accuracy - 0.1 - 1e-12);
    const thresholds = new Set(Object.values(best.candidate.thresholds));
    expect(thresholds.size).toBe(1);
    const stage = profile.stages.recall;
    expect(stage?.earlyExit === null || stage?.earlyExit?.window === 4).toBe(true);
  });

  it('resumes an interrupted search to the identical profile', async () => {
    const uninterrupted = await run(new FakeEvaluator()).result;
    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    const first = new FakeEvaluator();
    first.onEvaluate = (calls) => {
      if (calls === 250) controller.abort();
    };
    const error = await run(first, { checkpoint: store, signal: controller.signal }).result.catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('AbortError');
    expect(store.saved).not.toBeNull();
    const second = new FakeEvaluator();
    const resumed = await run(second, { checkpoint: store }).result;
    expect(resumed.profile).toEqual(uninterrupted.profile);
    expect(second.calls).toBe(uninterrupted.questionEvaluations - first.calls);
  });

  it('keeps every evaluation made before an evaluator fails, and resumes from them', async () => {
    const uninterrupted = await run(new FakeEvaluator()).result;
    const store = new MemoryCheckpointStore();
    const first = new FakeEvaluator();
    first.onEvaluate = (calls) => {
      if (calls === 250) throw new Error('the worker went away');
    };
    await expect(run(first, { checkpoint: store }).result).rejects.toThrow('the worker went away');
    // All 249 answers came before the failure, well inside the periodic saves' interval.
    const saved = await store.load();
    const cached = Object.values(saved?.scores ?? {}).reduce(
      (n, byQuestion) => n + Object.keys(byQuestion).length,
      0,
    );
    expect(cached).toBe(249);
    const second = new FakeEvaluator();
    const resumed = await run(second, { checkpoint: store }).result;
    expect(resumed.profile).toEqual(uninterrupted.profile);
    expect(second.calls).toBe(uninterrupted.questionEvaluations - 249);
  });

  it('serves repeated evaluations from the cache', async () => {
    const store = new MemoryCheckpointStore();
    const evaluator = new FakeEvaluator();
    const done = await run(evaluator, { checkpoint: store }).result;
    expect(evaluator.calls).toBe(done.questionEvaluations);
    const again = new FakeEvaluator();
    const repeat = await run(again, { checkpoint: store }).result;
    expect(again.calls).toBe(0);
    expect(repeat.profile).toEqual(done.profile);
  });

  it('refuses a corrupt or foreign checkpoint', async () => {
    const corrupt = new MemoryCheckpointStore();
    corrupt.saved = '{"format":"litestage-search-checkpoint","version":1}';
    await expect(run(new FakeEvaluator(), { checkpoint: corrupt }).result).rejects.toThrow(
      SearchCheckpointError,
    );
    const store = new MemoryCheckpointStore();
    await run(new FakeEvaluator(20), { checkpoint: store }).result;
    await expect(run(new FakeEvaluator(30), { checkpoint: store }).result).rejects.toThrow(
      /belongs to another search \(the calibration questions differ\)/,
    );
    await expect(
      run(new FakeEvaluator(20), { checkpoint: store, epsilon: 0.1 }).result,
    ).rejects.toThrow(/the search options differ/);
  });

  it('writes a valid profile with its provenance', async () => {
    const { profile, ranking } = await run(new FakeEvaluator()).result;
    expect(profile.model.fingerprint).toBe(manifest.fingerprint);
    expect(profile.provenance?.ranking.entries).toEqual(ranking.global);
    expect(profile.provenance?.trace[0]?.step).toBe('baseline');
    expect(profile.provenance?.createdAt).toBe('2026-11-29T00:00:00.000Z');
    for (const stage of STAGES) {
      const budget = profile.stages[stage]?.skip.length ?? 0;
      expect(profile.stages[stage]?.skip).toEqual(ranking.global.slice(0, budget).map((r) => r.id));
    }
  });
});

describe('the redundancy ranking', () => {
  it('ranks the sub-layers with the highest cosine first, over every sub-layer', async () => {
    const ranking = await rankSubLayers(new FakeEvaluator(10), ['q1', 'q2']);
    expect(ranking.global).toHaveLength(8);
    expect(ranking.global.map((r) => r.id).slice(0, 2)).toEqual(['3.attn', '2.attn']);
    const scores = ranking.global.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // Summed over the three stages by default.
    expect(ranking.global[0]?.score).toBeGreaterThan(2);
  });

  it('takes the last token instead of the mean when asked', async () => {
    const mean = await rankSubLayers(new FakeEvaluator(10), ['q1'], { tokenReduction: 'mean' });
    const last = await rankSubLayers(new FakeEvaluator(10), ['q1'], { tokenReduction: 'last' });
    expect(last.global[0]?.score).toBeLessThan(mean.global[0]?.score ?? 0);
  });

  it('accepts other importance metrics', async () => {
    const cosine = await rankSubLayers(new FakeEvaluator(10), ['q1']);
    const angular = await rankSubLayers(new FakeEvaluator(10), ['q1'], { metric: angularMetric });
    expect(angular.global.map((r) => r.id)).toEqual(cosine.global.map((r) => r.id));
    expect(angular.metric).toBe('angular');
    const blocks = await rankSubLayers(new FakeEvaluator(10), ['q1'], {
      metric: blockInfluenceMetric,
    });
    // Whole layers together: each layer's two sub-layers are adjacent in the ranking.
    const ids = blocks.global.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 2)
      expect(ids[i]?.split('.')[0]).toBe(ids[i + 1]?.split('.')[0]);
  });
});

describe('batched evaluation', () => {
  it('uses evaluateMany when the evaluator has it and reaches the same profile', async () => {
    const sequential = await run(new FakeEvaluator()).result;
    const batched = new FakeEvaluator();
    const batches: number[] = [];
    const withBatches = Object.assign(batched, {
      async evaluateMany(
        candidate: Parameters<FakeEvaluator['evaluate']>[0],
        skip: Parameters<FakeEvaluator['evaluate']>[1],
        ids: readonly string[],
      ) {
        batches.push(ids.length);
        return Promise.all(ids.map((id) => batched.evaluate(candidate, skip, id)));
      },
    });
    const result = await run(withBatches).result;
    expect(result.profile).toEqual(sequential.profile);
    expect(batches.length).toBeGreaterThan(0);
    expect(Math.max(...batches)).toBe(20);
  });
});

describe('latency models and checkpoints', () => {
  const modelA = { numLayers: 4, stepMs: 1, attnMs: 0.5, ffnMs: 0.7, prefillTokenMs: 0.2 };
  const modelB = { numLayers: 4, stepMs: 9, attnMs: 0.1, ffnMs: 3, prefillTokenMs: 2 };

  it('keeps the measured latency model in the checkpoint so a resumed search prices candidates the same', async () => {
    const reference = await run(new FakeEvaluator(), {
      latency: { method: 'model', measure: async () => modelA },
    }).result;
    expect(reference.profile.provenance?.latencyMethod).toBe('model');

    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    const first = new FakeEvaluator();
    first.onEvaluate = (calls) => {
      if (calls === 120) controller.abort();
    };
    const interrupted = run(first, {
      checkpoint: store,
      signal: controller.signal,
      latency: { method: 'model', measure: async () => modelA },
    });
    await expect(interrupted.result).rejects.toThrow(/aborted/);
    let measuredAgain = 0;
    const resumed = await run(new FakeEvaluator(), {
      checkpoint: store,
      latency: {
        method: 'model',
        measure: async () => {
          measuredAgain++;
          return modelB;
        },
      },
    }).result;
    expect(measuredAgain).toBe(0);
    expect(resumed.profile).toEqual(reference.profile);
  });
});

describe('progress of the phases and of a resumed search', () => {
  it('reports each phase from 0 to its total, in order', async () => {
    const { events, result } = run(new FakeEvaluator(), {
      earlyExit: { confidence: 'maxProb', window: 4 },
      thresholdGrid: [0.2, 0.4],
      maxBudget: 3,
      latency: {
        method: 'model',
        measure: async () => ({
          numLayers: 4,
          stepMs: 1,
          attnMs: 0.5,
          ffnMs: 0.7,
          prefillTokenMs: 0.2,
        }),
      },
    });
    await result;
    const phases = events.flatMap((e) => (e.type === 'phase' ? [e] : []));
    const order = [...new Set(phases.map((e) => e.phase))];
    // The latency model is measured first, before any question runs.
    expect(order).toEqual(['latency-model', 'ranking', 'baseline', 'budgets', 'thresholds']);
    const span = order.map((phase) => {
      const of = phases.filter((e) => e.phase === phase);
      return [phase, of[0]?.done, of.at(-1)?.done, of.at(-1)?.total];
    });
    expect(span).toEqual([
      ['latency-model', 0, 1, 1],
      ['ranking', 0, 100, 100],
      ['baseline', 0, 1, 1],
      ['budgets', 0, 9, 9],
      ['thresholds', 0, 2, 2],
    ]);
  });

  it('announces a resumed search with what its checkpoint holds', async () => {
    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    const first = new FakeEvaluator();
    first.onEvaluate = (calls) => {
      if (calls === 250) controller.abort();
    };
    await run(first, { checkpoint: store, signal: controller.signal }).result.catch(() => {});
    const fresh = run(new FakeEvaluator());
    expect((await fresh.result).resumedEvaluations).toBe(0);
    expect(fresh.events.some((e) => e.type === 'resumed')).toBe(false);
    const second = new FakeEvaluator();
    const resumed = run(second, { checkpoint: store });
    const result = await resumed.result;
    const announced = resumed.events.find((e) => e.type === 'resumed');
    // The abort came inside the 250th evaluation, which finished and was kept.
    expect(announced).toEqual({
      type: 'resumed',
      cachedEvaluations: 250,
      exhaustiveEvaluations: 100 * (1 + 3 * 8),
    });
    expect(resumed.events[0]).toBe(announced);
    expect(result.resumedEvaluations).toBe(250);
    expect(result.questionEvaluations - result.resumedEvaluations).toBe(second.calls);
  });

  it('names the checkpoint it refuses', async () => {
    const store = Object.assign(new MemoryCheckpointStore(), {
      location: 'search.checkpoint.json',
    });
    await run(new FakeEvaluator(20), { checkpoint: store }).result;
    await expect(run(new FakeEvaluator(30), { checkpoint: store }).result).rejects.toThrow(
      /^search\.checkpoint\.json belongs to another search/,
    );
  });
});
