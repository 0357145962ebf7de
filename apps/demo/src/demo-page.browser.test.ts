// The demo page in headless Chromium: it loads, answers a deep-linked held-out question both
// ways on wasm and on WebGPU (SwiftShader here), writes the same stage texts as the Node
// engine with the same profiles, and runs a batch with its tallies.
import { mkdir } from 'node:fs/promises';
import type { EngineResult, Question } from '@litestage/core';
import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHODS, type Method } from './compared-profiles.js';
import { deepLinkSearch } from './deep-link.js';
import { heldOutQuestions } from './held-out-questions.js';
import { stageFigures } from './stage-figures.js';
import { type DemoSite, openDemoSite, waitForState } from './test-utils/demo-page.js';
import { answerOnNodeCpu } from './test-utils/node-reference.js';

/** Where the review screenshots go (git-ignored; see the app's README). */
const SCREENSHOTS = new URL('../screenshots/', import.meta.url);

let site: DemoSite;
beforeAll(async () => {
  site = await openDemoSite();
});
afterAll(async () => {
  await site?.close();
});

const text = async (page: Page, testId: string) =>
  (await page.getByTestId(testId).textContent())?.trim();

/** What the page shows of a run, in the shape of the Node engine's result. */
async function shownRun(page: Page, method: Method, stages: readonly string[]) {
  return {
    answer: await text(page, `answer-${method}`),
    stages: await Promise.all(
      stages.map(async (stage) => ({
        text: await text(page, `stage-${method}-${stage}`),
        exit: await text(page, `exit-${method}-${stage}`),
      })),
    ),
  };
}

function expectedRun(result: EngineResult) {
  return {
    answer: result.answer.ok ? result.answer.answer : 'none',
    stages: result.stages.map((s) => ({ text: s.text, exit: stageFigures(s).exit })),
  };
}

/** The page shows what the Node CPU engine writes for the question, run for run. */
async function expectShownLikeNode(page: Page, question: Question) {
  const [node] = await answerOnNodeCpu([question]);
  if (!node) throw new Error('Node answered nothing');
  for (const method of METHODS) {
    const result = node[method];
    // Not a vacuous match: text in every stage.
    expect(result.stages.every((s) => s.tokens > 0)).toBe(true);
    const stages = result.stages.map((s) => s.name);
    expect(await shownRun(page, method, stages), method).toEqual(expectedRun(result));
    expect(await text(page, `verdict-${method}`)).toMatch(result.correct ? /^right$/ : /^wrong/);
  }
  expect(node.litestage.stages.some((s) => s.skipped.length > 0)).toBe(true);
  return node;
}

/** As `expectShownLikeNode`, and both runs got it right. */
async function expectAnsweredLikeNode(page: Page, question: Question) {
  const node = await expectShownLikeNode(page, question);
  for (const method of METHODS) expect(node[method].correct, `${method} on Node`).toBe(true);
  for (const method of METHODS) expect(await text(page, `answer-${method}`)).toBe(question.answer);
}

describe('the demo page', () => {
  it('loads the model, shows the backend, the held-out questions and the skip map', async () => {
    const page = await site.open('?device=wasm', 'ready');
    expect(await text(page, 'backend')).toBe('web/wasm');
    const choice = await text(page, 'backend-choice');
    expect(choice).toContain('; cross-origin isolated;');
    // wasm is warmed up before anything is timed (only a fallback WebGPU adapter is not).
    expect(choice).toContain('; warmed up;');
    expect(await page.locator('#held-out option').count()).toBe(200);
    expect(await page.locator('table.skips tbody tr').count()).toBe(16);
    // Layer 2's attention is the profile's first skip in every stage; layer 0 is never skipped.
    expect(await page.getByTestId('skip-2-recall').locator('span.skipped').count()).toBeGreaterThan(
      0,
    );
    expect(await page.getByTestId('skip-0-recall').locator('span.skipped').count()).toBe(0);
    const first = heldOutQuestions(1)[0];
    expect(await page.getByTestId('question-text').inputValue()).toBe(first?.question);
    await page.close();
  });

  it('chooses the device on auto (wasm on a fallback adapter) and lets the menu override it', async () => {
    const page = await site.open('', 'ready');
    const choice = await text(page, 'backend-choice');
    expect(choice).toMatch(/^device auto: running on (wasm|webgpu)/);
    const ran = choice?.startsWith('device auto: running on webgpu') ? 'webgpu' : 'wasm';
    expect(await text(page, 'backend')).toBe(`web/${ran}`);
    const other = ran === 'wasm' ? 'webgpu' : 'wasm';
    await page.locator('#device').selectOption(other);
    await waitForState(page, ['loading']);
    expect(await waitForState(page, ['ready', 'error'])).toBe('ready');
    expect(await text(page, 'backend')).toBe(`web/${other}`);
    expect(await text(page, 'backend-choice')).toMatch(
      new RegExp(`^device ${other}: running on ${other}`),
    );
    await page.close();
  });

  it('answers a picked and a typed question on wasm, as the Node engine does', async () => {
    const [, second, third] = heldOutQuestions(3) as Question[];
    const page = await site.open('?device=wasm', 'ready');
    await page.getByRole('button', { name: 'next' }).click();
    expect(await page.getByTestId('question-text').inputValue()).toBe(second?.question);
    await page.getByTestId('run').click();
    await waitForState(page, ['running']);
    expect(await waitForState(page, ['done', 'error'])).toBe('done');
    await expectShownLikeNode(page, second as Question);
    // Typed by hand: a held-out question's text is recognised, so its answer is judged.
    await page.getByTestId('question-text').fill(third?.question ?? '');
    await page.getByTestId('question-options').fill(third?.options.join(' | ') ?? '');
    await page.getByTestId('run').click();
    await waitForState(page, ['running']);
    expect(await waitForState(page, ['done', 'error'])).toBe('done');
    await expectShownLikeNode(page, third as Question);
    await page.close();
  });

  it('answers a deep-linked question both ways on wasm, as the Node engine does', async () => {
    // The first held-out question: both runs answer it right on Node (asserted below).
    const question = heldOutQuestions(1)[0] as Question;
    const page = await site.open(deepLinkSearch(question, { autorun: true, device: 'wasm' }));
    expect(await text(page, 'backend')).toBe('web/wasm');
    await expectAnsweredLikeNode(page, question);
    expect(await text(page, 'speedup')).toMatch(/^\d+\.\d\dx$/);
    await mkdir(SCREENSHOTS, { recursive: true });
    const path = new URL('demo-wasm.png', SCREENSHOTS).pathname;
    await page.screenshot({ path, fullPage: true });
    console.log(`demo page on web/wasm: ${await text(page, 'overall')}; screenshot ${path}`);
    await page.close();
  });

  it('answers a short deep-linked question both ways on WebGPU, as the Node engine does', async () => {
    // SwiftShader runs WebGPU on the CPU, slowly: the shortest of the first held-out questions.
    const question = shortest(heldOutQuestions(20));
    const page = await site.open(deepLinkSearch(question, { autorun: true, device: 'webgpu' }));
    expect(await text(page, 'backend')).toBe('web/webgpu');
    const choice = await text(page, 'backend-choice');
    // On a real GPU the adapter is no fallback one, and the page warms up as on wasm.
    const fallback = choice?.includes('running on webgpu (fallback adapter') ?? false;
    expect(choice).toContain(fallback ? '; not warmed up' : '; warmed up;');
    await expectAnsweredLikeNode(page, question);
    const path = new URL('demo-webgpu.png', SCREENSHOTS).pathname;
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path, fullPage: true });
    console.log(
      `demo page on web/webgpu: ${await text(page, 'backend-choice')}; screenshot ${path}`,
    );
    await page.close();
  });

  it('runs 20 held-out questions on wasm with accuracies as the Node engine counts them', async () => {
    const page = await site.open('?device=wasm', 'ready');
    await page.getByTestId('run-batch').click();
    await waitForState(page, ['running']);
    expect(await waitForState(page, ['done', 'error'])).toBe('done');
    const node = await answerOnNodeCpu(heldOutQuestions(20));
    const accuracy = (method: Method) =>
      `${((100 * node.filter((r) => r[method].correct).length) / node.length).toFixed(0)}%`;
    expect(await text(page, 'batch')).toContain('20 of 20 held-out questions');
    expect(await text(page, 'batch-accuracy-full')).toBe(accuracy('full'));
    expect(await text(page, 'batch-accuracy-litestage')).toBe(accuracy('litestage'));
    expect(await text(page, 'batch-speedup')).toMatch(/^\d+\.\d\dx$/);
    console.log(`demo page, 20 questions on web/wasm: ${await text(page, 'batch')}`);
    await page.close();
  });
});

/** The question whose gold stage texts are shortest. */
function shortest(questions: readonly Question[]): Question {
  const gold = new Map(
    generateSyntheticQuestions(createWorld(), { split: 'test', count: questions.length }).map(
      (q) => [q.id, Object.values(q.gold).join(' ').length],
    ),
  );
  const length = (q: Question) => gold.get(q.id) ?? Number.POSITIVE_INFINITY;
  return [...questions].sort((a, b) => length(a) - length(b))[0] as Question;
}
