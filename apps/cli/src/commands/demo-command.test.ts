import { describe, expect, it } from 'vitest';
import { run } from '../test-utils/run-cli-captured.js';
import type { DemoReport } from './demo-command.js';

describe('litestage demo', () => {
  it('compares full depth and the shipped profile on held-out questions, as one JSON object', async () => {
    const result = await run('demo', '--limit', '3', '--threads', '1', '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as DemoReport;
    expect(report.model).toBe('litestage-demo-reasoner-v2');
    expect(report.profile).toMatch(/profiles\/v2\/synthetic\.json$/);
    expect(report.questions).toBe(3);
    expect(report.interrupted).toBe(false);
    for (const run of ['fullDepth', 'liteStage'] as const) {
      const accuracy = report.accuracy[run];
      expect([0, 1 / 3, 2 / 3, 1].some((a) => Math.abs(a - accuracy) < 1e-9)).toBe(true);
      expect(report.intervals[run].lower).toBeLessThanOrEqual(accuracy);
      expect(report.intervals[run].upper).toBeGreaterThanOrEqual(accuracy);
      expect(report.meanMs[run]).toBeGreaterThan(0);
    }
    expect(report.difference.points).toBeCloseTo(
      100 * (report.accuracy.liteStage - report.accuracy.fullDepth),
      9,
    );
    expect(report.speedup).toBeCloseTo(report.meanMs.fullDepth / report.meanMs.liteStage, 9);
    // The shipped profile's budgets, stage by stage; full depth skips nothing.
    expect(Object.keys(report.stages)).toEqual(['recall', 'analyze', 'summarize']);
    expect(Object.values(report.stages).map((s) => s.skipped)).toEqual([24, 17, 28]);
    for (const stage of Object.values(report.stages)) {
      expect(stage.fullDepth.tokens).toBeGreaterThan(0);
      expect(stage.liteStage.tokens).toBeGreaterThan(0);
      expect(stage.fullDepth.earlyExits).toBe(0);
    }
    // Progress goes to stderr, never into the JSON.
    expect(result.err).toMatch(/^3\/3 questions\b/m);
  });

  it('prints a side-by-side table, and v1 on request', async () => {
    const result = await run('demo', '--model', 'v1', '--limit', '2', '--threads', '1');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe(
      'litestage-demo-reasoner on 2 held-out questions, full depth and LiteStage interleaved',
    );
    expect(lines[1]).toMatch(/^\s+full depth\s+LiteStage$/);
    expect(lines[2]).toMatch(/^accuracy \(95% CI\)\s+[\d.]+% \([\d.]+%-[\d.]+%\)\s+[\d.]+% \(/);
    expect(lines[3]).toMatch(/^latency per question\s+\d+ ms\s+\d+ ms$/);
    expect(lines[4]).toMatch(/^recall \(\d+ skipped\)\s+[\d.]+ tok, \d+ ms/);
    expect(lines.at(-2)).toMatch(
      /^speedup \d+\.\d\dx; accuracy [+-]\d+\.\d points \(paired 95% CI/,
    );
  });

  it('refuses an unknown model with the versions it knows', async () => {
    const result = await run('demo', '--model', 'v9');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/expected one of v1, v2/);
  });
});
