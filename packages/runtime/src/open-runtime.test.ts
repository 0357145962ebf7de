import { demoBundleDir } from '@litestage/demo-model';
import { LiteStageError } from '@litestage/errors';
import { createWorld, generateSyntheticQuestions, TaskFormatError } from '@litestage/tasks';
import { describe, expect, it } from 'vitest';
import { openRuntime, RuntimeOptionError } from './index.js';

describe('openRuntime', () => {
  it('opens the demo reasoner and answers a held-out question at full depth', async () => {
    const runtime = await openRuntime({ bundle: demoBundleDir(), task: 'synthetic', threads: 1 });
    try {
      expect(runtime.device).toBe('cpu');
      expect(runtime.session.executionProvider).toBe('cpu');
      expect(runtime.format.id).toBe('synthetic');
      expect(runtime.manifest.numLayers).toBeGreaterThan(0);
      const [question] = generateSyntheticQuestions(createWorld(), { split: 'test', count: 1 });
      if (!question) throw new Error('no question generated');
      const result = await runtime.createEngine().run({
        id: question.id,
        question: question.question,
        options: question.options,
        answer: question.answer,
      });
      expect(result.stages.map((s) => s.name)).toEqual(['recall', 'analyze', 'summarize']);
      expect(result.stages.every((s) => s.skipped.length === 0)).toBe(true);
      expect(result.correct).toBe(true);
      expect(runtime.fullDepthProfile().model.fingerprint).toBe(runtime.manifest.fingerprint);
    } finally {
      await runtime.dispose();
    }
  });

  it('refuses an unknown task before reading the bundle', async () => {
    const opening = openRuntime({ bundle: '/nonexistent/bundle', task: 'no-such-task' });
    await expect(opening).rejects.toBeInstanceOf(TaskFormatError);
    await expect(opening).rejects.toThrow(/unknown task format "no-such-task".*tinythinker/);
  });

  it('refuses an unknown device and a bad thread count with errors a user can act on', async () => {
    const device = openRuntime({ bundle: demoBundleDir(), device: 'tpu' as 'cpu' });
    await expect(device).rejects.toBeInstanceOf(RuntimeOptionError);
    await expect(device).rejects.toThrow('unknown device "tpu" (devices: cpu)');
    const threads = openRuntime({ bundle: demoBundleDir(), threads: -1 });
    await expect(threads).rejects.toBeInstanceOf(LiteStageError);
    await expect(threads).rejects.toThrow(/threads must be an integer >= 0/);
  });

  it('reports a missing bundle folder as a LiteStageError', async () => {
    await expect(openRuntime({ bundle: '/nonexistent/bundle' })).rejects.toBeInstanceOf(
      LiteStageError,
    );
  });
});
