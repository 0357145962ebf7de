// The demo reasoner in a dedicated Worker: loads the bundle and the profile, picks the device,
// and answers each question twice (full depth and LiteStage), posting the engine's events as
// they come so the page can stream every stage's text.
import {
  chooseWebDevice,
  configureWebRuntime,
  describeWebDeviceChoice,
} from '@litestage/backend-web';
import { createEngine, type Engine } from '@litestage/core';
import { bundleFromUrl, loadBundleTokenizer } from '@litestage/model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';
import { comparedProfiles, METHODS, type Method } from '../src/compared-profiles.js';
import { progressFetch } from '../src/progress-fetch.js';
import type { FromWorker, ToWorker } from '../src/worker-messages.js';

const post = (message: FromWorker) => globalThis.postMessage(message);

let engines: Record<Method, Engine> | null = null;
const cancels = new Map<number, AbortController>();
/** Runs one after another: both engines share one session. */
let queue: Promise<void> = Promise.resolve();

async function load(message: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const started = performance.now();
  // onnxruntime-web's default wasm threads (half the cores, at most 4); its warnings (shape
  // ops placed on the CPU next to WebGPU) would only be noise in the console.
  configureWebRuntime({ wasmPaths: message.urls.ort, logLevel: 'error' });
  post({ type: 'progress', phase: 'reading the model bundle' });
  const bundle = await bundleFromUrl(message.urls.bundle, {
    fetch: progressFetch((file) => post({ type: 'progress', phase: 'downloading', file })),
  });
  const response = await fetch(message.urls.profile);
  if (!response.ok) throw new Error(`${message.urls.profile}: HTTP ${response.status}`);
  const profile = parseProfile(await response.text());
  post({ type: 'progress', phase: `choosing the device (${message.device})` });
  const choice = await chooseWebDevice(message.device);
  post({ type: 'progress', phase: `creating the ${choice.device} session` });
  const session = await choice.backend.load(bundle);
  const tokenizer = await loadBundleTokenizer(bundle);
  const format = getTaskFormat(profile.task.format);
  const profiles = comparedProfiles(profile, session.manifest, format);
  const loaded = {
    full: createEngine({ session, tokenizer, format, profile: profiles.full }),
    litestage: createEngine({ session, tokenizer, format, profile: profiles.litestage }),
  };
  // A fallback adapter (SwiftShader) computes on the CPU, far slower than wasm: its timings
  // say nothing about LiteStage, and a warm-up there would cost minutes.
  const warmed = !(choice.device === 'webgpu' && choice.adapter?.isFallbackAdapter === true);
  if (warmed) {
    post({ type: 'progress', phase: 'warming up (one question both ways)' });
    await warmUp(loaded);
  }
  engines = loaded;
  post({
    type: 'loaded',
    model: {
      backend: `${session.backend}/${session.executionProvider}`,
      choice: describeWebDeviceChoice(choice),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      warmedUp: warmed,
      modelName: session.manifest.name,
      profile,
      loadMs: performance.now() - started,
    },
  });
}

/**
 * One question through both engines before anything is timed: a session's first run at each
 * new cache length pays for kernel set-up and memory growth (about 5x a warm run on wasm),
 * which would otherwise count against whichever run happens to go first.
 */
async function warmUp(warming: Record<Method, Engine>): Promise<void> {
  const question = {
    id: 'warm-up',
    question: 'Which creature is active at noon?',
    options: ['bulikru', 'drirepluk', 'tisnep', 'futrai'],
  };
  for (const method of METHODS) await warming[method].run(question);
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  if (!engines) throw new Error('the model is not loaded yet');
  const controller = new AbortController();
  cancels.set(message.runId, controller);
  try {
    for (const method of message.order) {
      const stream = engines[method].stream(message.question, { signal: controller.signal });
      for await (const event of stream) {
        post({ type: 'event', runId: message.runId, method, event });
      }
    }
    post({ type: 'run-done', runId: message.runId });
  } finally {
    cancels.delete(message.runId);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const hint = (error as { hint?: unknown }).hint;
  return `${error.name}: ${error.message}${typeof hint === 'string' ? ` (${hint})` : ''}`;
}

globalThis.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'cancel') {
    cancels.get(message.runId)?.abort();
    return;
  }
  const runId = message.type === 'run' ? message.runId : undefined;
  const work = message.type === 'load' ? () => load(message) : () => run(message);
  queue = queue
    .then(work)
    .catch((error: unknown) =>
      post({ type: 'error', message: describe(error), ...(runId === undefined ? {} : { runId }) }),
    );
});
