// Part of the WebGPU suite (`pnpm test:webgpu`, SwiftShader in CI): the demo reasoner v1
// (8 layers: SwiftShader is slow, and v2 has twice as many) answers on Node WebGPU as it does
// on the CPU, stage by stage, with and without skips.
import { readFile } from 'node:fs/promises';
import { demoBundleDir, demoProfilePath } from '@litestage/demo-model';
import { parseProfile } from '@litestage/profile';
import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';
import { describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from './index.js';

async function answer(runtime: Runtime, profile?: Parameters<Runtime['createEngine']>[0]) {
  const [question] = generateSyntheticQuestions(createWorld(), { split: 'test', count: 1 });
  if (!question) throw new Error('no question generated');
  const result = await runtime.createEngine(profile).run({
    id: question.id,
    question: question.question,
    options: question.options,
    answer: question.answer,
  });
  return result.stages.map((s) => ({ name: s.name, text: s.text, skipped: s.skipped }));
}

describe('the demo reasoner on Node WebGPU', () => {
  it('gives the same stage texts as the CPU, at full depth and under the shipped profile', async () => {
    const profile = parseProfile(JSON.parse(await readFile(demoProfilePath('v1'), 'utf8')));
    const cpu = await openRuntime({
      bundle: demoBundleDir('v1'),
      task: 'synthetic',
      device: 'cpu',
      threads: 1,
    });
    const gpu = await openRuntime({
      bundle: demoBundleDir('v1'),
      task: 'synthetic',
      device: 'webgpu',
    });
    try {
      expect(gpu.device).toBe('webgpu');
      expect(gpu.session.executionProvider).toBe('webgpu');
      expect(gpu.deviceChoice).toEqual({ requested: 'webgpu', device: 'webgpu', passedOver: [] });
      expect(await answer(gpu)).toEqual(await answer(cpu));
      const skipped = await answer(gpu, profile);
      expect(skipped.some((s) => s.skipped.length > 0)).toBe(true);
      expect(skipped).toEqual(await answer(cpu, profile));
    } finally {
      await cpu.dispose();
      await gpu.dispose();
    }
  });
});
