// The demo page: loads the demo reasoner in a Worker, answers a question at full depth and
// with the LiteStage profile, one after the other, and shows both side by side as they stream.
import type { EngineResult, Question } from '@litestage/core';
import { getTaskFormat, SYNTHETIC_FORMAT_ID } from '@litestage/tasks';
import { METHODS, type Method } from '../src/compared-profiles.js';
import { type DemoDevice, deepLinkSearch, parseDeepLink } from '../src/deep-link.js';
import { findHeldOut, heldOutQuestions } from '../src/held-out-questions.js';
import { type PairedOutcome, type RunTally, tallyRuns } from '../src/run-tally.js';
import { skipMapOf } from '../src/skip-map.js';
import { formatSpeedup } from '../src/stage-figures.js';
import type { FromWorker, LoadedModel, ToWorker } from '../src/worker-messages.js';
import { byId, h } from './dom.js';
import { RunView } from './run-view.js';
import { renderSkipMap } from './skip-map-view.js';

const BATCH_SIZE = 20;
/** The demo reasoner's stages (its profile names the same; the engine checks). */
const STAGES = getTaskFormat(SYNTHETIC_FORMAT_ID).stages.map((stage) => stage.name);

type PageState = 'loading' | 'ready' | 'running' | 'done' | 'error';
const setState = (state: PageState) => {
  document.body.dataset.state = state;
};

const link = parseDeepLink(location.search);
const questions = heldOutQuestions();
const views: Record<Method, RunView> = {
  full: new RunView(byId('run-full'), 'full', STAGES),
  litestage: new RunView(byId('run-litestage'), 'litestage', STAGES),
};

const deviceSelect = byId<HTMLSelectElement>('device');
const heldOutSelect = byId<HTMLSelectElement>('held-out');
const questionText = byId<HTMLInputElement>('question-text');
const questionOptions = byId<HTMLInputElement>('question-options');
const runButton = byId<HTMLButtonElement>('run');
const batchButton = byId<HTMLButtonElement>('run-batch');
const stopButton = byId<HTMLButtonElement>('stop');
const share = byId<HTMLAnchorElement>('share');
const problems = byId('problems');

let worker: Worker | null = null;
let model: LoadedModel | null = null;
let nextRunId = 1;
let stopRequested = false;
const pending = new Map<
  number,
  {
    question: Question;
    results: Partial<Record<Method, EngineResult>>;
    resolve: (results: Record<Method, EngineResult>) => void;
    reject: (error: Error) => void;
  }
>();

// ---- the question -------------------------------------------------------------------------

heldOutSelect.replaceChildren(
  ...questions.map((q, i) => h('option', { value: String(i) }, `${i + 1}. ${q.question}`)),
);

function showQuestion(question: Question): void {
  questionText.value = question.question;
  questionOptions.value = question.options.join(' | ');
  updateShareLink();
}

/** The question in the inputs, with the gold answer when it is a held-out one. */
function typedQuestion(): Question | null {
  const text = questionText.value.trim();
  const options = questionOptions.value
    .split('|')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (text === '' || options.length < 2) return null;
  const typed = { id: 'typed', question: text, options };
  // The link's own gold answer, while its question is still the one in the inputs.
  const linked = link.question && findHeldOut([link.question], typed);
  const known = linked?.answer ? { ...typed, answer: linked.answer } : undefined;
  return known ?? findHeldOut(questions, typed) ?? typed;
}

function updateShareLink(): void {
  const question = typedQuestion();
  share.href = question
    ? `${location.pathname}${deepLinkSearch(question, { autorun: true, device: deviceSelect.value as DemoDevice })}`
    : location.pathname;
}

heldOutSelect.addEventListener('change', () => {
  showQuestion(questions[Number(heldOutSelect.value)] as Question);
});
byId('next').addEventListener('click', () => {
  heldOutSelect.value = String((Number(heldOutSelect.value) + 1) % questions.length);
  showQuestion(questions[Number(heldOutSelect.value)] as Question);
});
questionText.addEventListener('input', updateShareLink);
questionOptions.addEventListener('input', updateShareLink);

// ---- the model Worker ---------------------------------------------------------------------

function loadModel(device: DemoDevice): void {
  worker?.terminate();
  for (const [, run] of pending) run.reject(new Error('the model was reloaded'));
  pending.clear();
  model = null;
  setState('loading');
  setBusy(true);
  byId('loading').hidden = false;
  byId('backend').textContent = '…';
  byId('backend-choice').textContent = '';
  const progress = byId<HTMLProgressElement>('load-progress');
  progress.removeAttribute('value');
  worker = new Worker(new URL('./model-worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (event: MessageEvent<FromWorker>) => onMessage(event.data));
  worker.addEventListener('error', (event) => fail(`the model Worker failed: ${event.message}`));
  const here = (path: string) => new URL(path, document.baseURI).href;
  const message: ToWorker = {
    type: 'load',
    device,
    urls: { ort: here('ort/'), bundle: here('model/'), profile: here('profiles/synthetic.json') },
  };
  worker.postMessage(message);
}

const downloads = new Map<string, { loaded: number; total: number | null }>();

function onMessage(message: FromWorker): void {
  if (message.type === 'progress') {
    const status = byId('load-status');
    const progress = byId<HTMLProgressElement>('load-progress');
    if (message.file) {
      downloads.set(message.file.file, message.file);
      const loaded = [...downloads.values()].reduce((sum, d) => sum + d.loaded, 0);
      const total = [...downloads.values()].reduce((sum, d) => sum + (d.total ?? d.loaded), 0);
      progress.max = total;
      progress.value = loaded;
      status.textContent = `downloading ${message.file.file}: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`;
    } else {
      status.textContent = `${message.phase}…`;
    }
  } else if (message.type === 'loaded') {
    model = message.model;
    byId('loading').hidden = true;
    byId('backend').textContent = model.backend;
    byId('backend-choice').textContent = [
      model.choice,
      `model ${model.modelName}`,
      model.crossOriginIsolated
        ? 'cross-origin isolated'
        : 'not cross-origin isolated: wasm on one thread',
      model.warmedUp
        ? 'warmed up'
        : 'not warmed up (a fallback adapter: timings mean little there)',
      `loaded in ${(model.loadMs / 1000).toFixed(1)} s`,
    ].join('; ');
    renderSkipMap(byId('skip-map'), skipMapOf(model.profile), model.profile.runtime.skipInPrefill);
    setBusy(false);
    setState('ready');
    if (link.autorun && link.question) void runOne();
  } else if (message.type === 'event') {
    const run = pending.get(message.runId);
    if (!run) return;
    views[message.method].show(message.event, run.question);
    if (message.event.type === 'done') run.results[message.method] = message.event.result;
  } else if (message.type === 'run-done') {
    const run = pending.get(message.runId);
    pending.delete(message.runId);
    if (run?.results.full && run.results.litestage) {
      run.resolve({ full: run.results.full, litestage: run.results.litestage });
    }
  } else if (message.type === 'error') {
    const run = message.runId === undefined ? undefined : pending.get(message.runId);
    if (run && message.runId !== undefined) {
      pending.delete(message.runId);
      run.reject(new Error(message.message));
    } else {
      fail(message.message);
    }
  }
}

/** A run that ended: stopped on request, or failed. */
function ended(error: unknown): void {
  if (stopRequested) {
    problems.textContent = 'stopped';
    setBusy(false);
    setState('ready');
    return;
  }
  fail(error instanceof Error ? error.message : String(error));
}

function fail(message: string): void {
  problems.textContent = message;
  byId('load-status').textContent = message;
  setBusy(false);
  setState('error');
}

/** Runs a question both ways in the Worker; each view shows its events as they come. */
function answer(
  question: Question,
  order: readonly Method[],
): Promise<Record<Method, EngineResult>> {
  if (!worker) return Promise.reject(new Error('the model is not loaded'));
  const runId = nextRunId++;
  for (const method of METHODS) views[method].clear();
  const running = worker;
  return new Promise((resolve, reject) => {
    pending.set(runId, { question, results: {}, resolve, reject });
    const message: ToWorker = { type: 'run', runId, question, order };
    running.postMessage(message);
  });
}

// ---- running ------------------------------------------------------------------------------

function setBusy(busy: boolean): void {
  runButton.disabled = busy || model === null;
  batchButton.disabled = busy || model === null;
  stopButton.disabled = !busy || model === null;
  deviceSelect.disabled = busy && model !== null;
}

function showOverall(results: Record<Method, EngineResult>): void {
  const speedup = results.litestage.ms > 0 ? results.full.ms / results.litestage.ms : 1;
  const tokens = (r: EngineResult) => r.stages.reduce((sum, s) => sum + s.tokens, 0);
  byId('overall').replaceChildren(
    h(
      'span',
      {},
      'full depth ',
      h('strong', { 'data-testid': 'latency-full' }, `${results.full.ms.toFixed(0)} ms`),
      ` (${tokens(results.full)} tokens)`,
    ),
    h(
      'span',
      {},
      'LiteStage ',
      h('strong', { 'data-testid': 'latency-litestage' }, `${results.litestage.ms.toFixed(0)} ms`),
      ` (${tokens(results.litestage)} tokens)`,
    ),
    h(
      'span',
      {},
      'speedup ',
      h('strong', { class: 'speedup', 'data-testid': 'speedup' }, formatSpeedup(speedup)),
    ),
  );
}

async function runOne(): Promise<void> {
  const question = typedQuestion();
  if (!question) {
    problems.textContent = 'type a question and at least two options separated by |';
    return;
  }
  problems.textContent = link.problems.join('; ');
  stopRequested = false;
  setBusy(true);
  setState('running');
  try {
    const results = await answer(question, METHODS);
    showOverall(results);
    setBusy(false);
    setState('done');
  } catch (error) {
    ended(error);
  }
}

function percent(value: number): string {
  return `${(100 * value).toFixed(0)}%`;
}

function showTally(tally: RunTally, of: number): void {
  const interval = (i: { lower: number; upper: number }, format: (v: number) => string) =>
    h('span', { class: 'muted' }, ` [${format(i.lower)}, ${format(i.upper)}]`);
  byId('batch').hidden = false;
  byId('batch').replaceChildren(
    h(
      'h2',
      {},
      `${tally.n} of ${of} held-out questions `,
      h(
        'span',
        { class: 'muted' },
        '95% intervals: Wilson for accuracy, paired bootstrap for speedup',
      ),
    ),
    h(
      'div',
      { class: 'overall' },
      h(
        'span',
        {},
        'full depth accuracy ',
        h('strong', { 'data-testid': 'batch-accuracy-full' }, percent(tally.fullAccuracy.value)),
        interval(tally.fullAccuracy.interval, percent),
      ),
      h(
        'span',
        {},
        'LiteStage accuracy ',
        h(
          'strong',
          { 'data-testid': 'batch-accuracy-litestage' },
          percent(tally.liteAccuracy.value),
        ),
        interval(tally.liteAccuracy.interval, percent),
      ),
      h(
        'span',
        {},
        'speedup ',
        h(
          'strong',
          { class: 'speedup', 'data-testid': 'batch-speedup' },
          formatSpeedup(tally.speedup.value),
        ),
        interval(tally.speedup.interval, formatSpeedup),
      ),
    ),
  );
}

async function runBatch(): Promise<void> {
  stopRequested = false;
  problems.textContent = '';
  setBusy(true);
  setState('running');
  const start = Number(heldOutSelect.value);
  const outcomes: PairedOutcome[] = [];
  try {
    for (let i = 0; i < BATCH_SIZE && !stopRequested; i++) {
      heldOutSelect.value = String((start + i) % questions.length);
      const question = questions[Number(heldOutSelect.value)] as Question;
      showQuestion(question);
      // Alternate which run goes first, so neither always finds the caches warm.
      const order: Method[] = i % 2 === 0 ? ['full', 'litestage'] : ['litestage', 'full'];
      const results = await answer(question, order);
      showOverall(results);
      outcomes.push({
        fullCorrect: results.full.correct === true,
        liteCorrect: results.litestage.correct === true,
        fullMs: results.full.ms,
        liteMs: results.litestage.ms,
      });
      const tally = tallyRuns(outcomes);
      if (tally) showTally(tally, BATCH_SIZE);
    }
    setBusy(false);
    setState('done');
  } catch (error) {
    ended(error);
  }
}

runButton.addEventListener('click', () => void runOne());
batchButton.addEventListener('click', () => void runBatch());
stopButton.addEventListener('click', () => {
  stopRequested = true;
  for (const runId of pending.keys())
    worker?.postMessage({ type: 'cancel', runId } satisfies ToWorker);
});
deviceSelect.addEventListener('change', () => {
  updateShareLink();
  loadModel(deviceSelect.value as DemoDevice);
});

// ---- start --------------------------------------------------------------------------------

deviceSelect.value = link.device;
problems.textContent = link.problems.join('; ');
const linked = link.question ? findHeldOut(questions, link.question) : undefined;
if (linked) heldOutSelect.value = String(questions.indexOf(linked));
showQuestion(link.question ?? (questions[0] as Question));
loadModel(link.device);
