import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AccuracyModel,
  compareQuantization,
  DEMO_REASONER_MODEL,
  INT4_SETTINGS,
  stories260kModel,
} from './perf/quantization-accuracy.js';

const cache = await mkdtemp(join(tmpdir(), 'litestage-int4-'));
afterAll(() => rm(cache, { recursive: true, force: true }));

const earlier = INT4_SETTINGS[0];
if (!earlier?.name.includes('earlier default')) throw new Error('the earlier default comes first');
/** Whatever `litestage convert --quant int4` does without further flags. */
const defaults = { name: 'defaults', options: { quantization: 'int4' as const } };

/**
 * The tolerance the int4 defaults (accuracy level 4, an 8-bit LM head) are held to, against
 * the earlier int4 default (level 0, a float head), both measured against the fp32 bundle:
 * greedy text that keeps to fp32's for at least as many tokens, mean KL at most 0.002 nats
 * more, top-1 agreement at most 1 point less. (Once an int4 text has left fp32's, small
 * differences take it elsewhere: on stories260K the two int4 texts leave fp32's at token 38
 * and each other's at token 82.)
 */
describe.each([
  ['stories260K', stories260kModel()],
  ['the demo reasoner', DEMO_REASONER_MODEL],
] as [string, AccuracyModel][])('int4 defaults on %s', (_, model) => {
  it("keep to fp32's greedy text and logits as the earlier int4 default did", async () => {
    const [before, now] = await compareQuantization(model, [earlier, defaults], cache);
    if (!before || !now) throw new Error('two comparisons expected');
    expect(now.greedySameAsFp32).toBeGreaterThanOrEqual(before.greedySameAsFp32);
    expect(now.meanKl).toBeLessThanOrEqual(before.meanKl + 0.002);
    expect(now.top1Agreement).toBeGreaterThanOrEqual(before.top1Agreement - 0.01);
  });
});
