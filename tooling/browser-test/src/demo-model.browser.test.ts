// The profile is the same everywhere: the demo reasoner's shipped profile, searched on Node
// CPU, gives the same stage texts in the browser (onnxruntime-web's wasm) as Node's engine,
// question for question.
import { readFile } from 'node:fs/promises';
import { nodeBackend } from '@litestage/backend-node';
import { createEngine, type EngineResult, type Question } from '@litestage/core';
import { DEMO_MODEL, demoProfilePath, openDemoBundle } from '@litestage/demo-model';
import { loadBundleTokenizer } from '@litestage/model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat, questionOfRecord } from '@litestage/tasks';
import { collectTaskQuestions } from '@litestage/tasks/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HarnessPage, openHarnessPage } from './test-utils/harness-page.js';

const QUESTIONS = 3;

let harness: HarnessPage;
beforeAll(async () => {
  harness = await openHarnessPage();
});
afterAll(async () => {
  await harness?.close();
});

/** The held-out test questions, answered by the Node CPU engine with the shipped profile. */
async function onNodeCpu(): Promise<{ question: Question; result: EngineResult }[]> {
  const bundle = await openDemoBundle('v2');
  const profile = parseProfile(await readFile(demoProfilePath('v2'), 'utf8'));
  const session = await nodeBackend.load(bundle, { executionProviders: ['cpu'], threads: 1 });
  try {
    expect(session.executionProvider).toBe('cpu');
    const engine = createEngine({
      session,
      tokenizer: await loadBundleTokenizer(bundle),
      format: getTaskFormat(DEMO_MODEL.task),
      profile,
    });
    const { records } = await collectTaskQuestions({
      task: 'synthetic',
      split: 'test',
      limit: QUESTIONS,
    });
    const answered = [];
    for (const record of records) {
      const question = questionOfRecord(record);
      answered.push({ question, result: await engine.run(question) });
    }
    return answered;
  } finally {
    await session.dispose();
  }
}

describe('the demo reasoner with its shipped profile', () => {
  it('writes the same stage texts in the browser (wasm) as on Node CPU', async () => {
    const answered = await onNodeCpu();
    expect(answered).toHaveLength(QUESTIONS);
    for (const { question, result } of answered) {
      const web = await harness.run({
        kind: 'engine',
        bundle: '/demo-model/bundle/',
        profile: '/demo-model/profiles/synthetic.json',
        task: DEMO_MODEL.task,
        question,
        device: 'wasm',
      });
      console.log(
        `demo reasoner, question ${question.id}: ran on ${web.ranOn.backend}/${web.ranOn.executionProvider} (${web.ranOn.choice}), ${web.stages.map((s) => `${s.name} ${s.tokens} tokens`).join(', ')}, answer ${web.answer}`,
      );
      expect({
        backend: web.ranOn.backend,
        executionProvider: web.ranOn.executionProvider,
      }).toEqual({ backend: 'web', executionProvider: 'wasm' });
      // Something was generated and the profile skipped sub-layers: not a vacuous match.
      expect(result.stages.every((s) => s.tokens > 0)).toBe(true);
      expect(result.stages.some((s) => s.skipped.length > 0)).toBe(true);
      expect(web.stages).toEqual(
        result.stages.map((s) => ({
          name: s.name,
          text: s.text,
          tokens: s.tokens,
          exitReason: s.exitReason,
        })),
      );
      expect(web.answer).toBe(result.answer.ok ? result.answer.answer : null);
    }
  });
});
