// Runs the browser suite's jobs with the packages as an application would: the web backend
// through the registry, bundles from URLs, the same conformance runner and engine as Node.
import {
  chooseWebDevice,
  configureWebRuntime,
  describeWebDeviceChoice,
  type WebDeviceChoice,
  webRuntimeVersions,
} from '@litestage/backend-web';
import {
  type ConformanceCase,
  parseConformanceCase,
  runConformanceCase,
} from '@litestage/conformance';
import { createEngine, type ModelSession, type Sequence } from '@litestage/core';
import { bundleFromUrl, loadBundleTokenizer } from '@litestage/model';
import type { OrtTensor } from '@litestage/ort-session';
import { parseProfile, subLayerFlags } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';
import type {
  ConformanceAnswer,
  ConformanceJob,
  DeviceCachesAnswer,
  DeviceCachesJob,
  EngineAnswer,
  EngineJob,
  HarnessAnswer,
  HarnessJob,
  RanOn,
} from './jobs.js';

// The page's server serves onnxruntime-web's dist/ folder here (from node_modules). Two wasm
// threads even on a 2-core machine (onnxruntime-web would take one there), so the suite runs
// multi-threaded wasm, which needs the COOP/COEP headers. Its warnings (e.g. shape ops placed
// on the CPU next to WebGPU) would only be noise in test logs.
configureWebRuntime({
  wasmPaths: new URL('/ort/', globalThis.location.href),
  threads: 2,
  logLevel: 'error',
});

const here = (path: string) => new URL(path, globalThis.location.href);

async function fetchJson(path: string): Promise<unknown> {
  const response = await fetch(here(path));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function ranOn(session: ModelSession, choice: WebDeviceChoice): Promise<RanOn> {
  return {
    backend: session.backend,
    executionProvider: session.executionProvider,
    choice: describeWebDeviceChoice(choice),
    isFallbackAdapter: choice.adapter?.isFallbackAdapter ?? null,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    scope: globalThis.constructor.name,
    versions: await webRuntimeVersions(),
  };
}

/** A conformance case, its profile, and a session on the device the job asks for. */
async function openCase(name: string, device: HarnessJob['device']) {
  const file = `/fixtures/cases/${name}.json`;
  const kase: ConformanceCase = parseConformanceCase(await fetchJson(file), file);
  const profile = parseProfile(JSON.stringify(await fetchJson(`/fixtures/${kase.profile}`)));
  const bundle = await bundleFromUrl(here(`/fixtures/${kase.bundle}/`));
  const choice = await chooseWebDevice(device);
  const session = await choice.backend.load(bundle);
  return { kase, profile, choice, session };
}

async function runConformance(job: ConformanceJob): Promise<ConformanceAnswer> {
  const { kase, profile, choice, session } = await openCase(job.name, job.device);
  try {
    const run = await runConformanceCase(session, kase, profile);
    return {
      ranOn: await ranOn(session, choice),
      tokens: run.tokens,
      logits: run.logits.map((row) => Array.from(row)),
    };
  } finally {
    await session.dispose();
  }
}

/** Where a sequence's non-empty caches live (the backend's own fields, read for the test). */
function cacheLocations(sequence: Sequence): string[] {
  const { keys, values } = sequence as unknown as { keys: OrtTensor[]; values: OrtTensor[] };
  return [...keys, ...values].filter((t) => t.dims[2] !== 0).map((t) => t.location);
}

async function runDeviceCaches(job: DeviceCachesJob): Promise<DeviceCachesAnswer> {
  const { kase, profile, choice, session } = await openCase(job.name, job.device);
  const { numLayers, vocabSize } = session.manifest;
  const skip = subLayerFlags(profile.stages[kase.stage]?.skip ?? [], numLayers);
  const sequence = session.createSequence();
  const step = async (tokens: readonly number[], prefill = false) => {
    const request = prefill && !profile.runtime.skipInPrefill ? { tokens } : { tokens, skip };
    const { logits } = await session.step(sequence, request);
    return Array.from(logits.slice(0, vocabSize));
  };
  try {
    const next = kase.expected.tokens;
    const logits = [await step(kase.prompt, true)];
    for (const token of next.slice(0, 3)) logits.push(await step([token]));
    const locations = cacheLocations(sequence);
    const lengthsBefore = sequence.layerLengths();
    sequence.truncate(kase.prompt.length + 1);
    const lengthsAfter = sequence.layerLengths();
    const logitsAgain = [];
    for (const token of next.slice(1, 3)) logitsAgain.push(await step([token]));
    locations.push(...cacheLocations(sequence));
    return {
      ranOn: await ranOn(session, choice),
      locations,
      lengthsBefore,
      lengthsAfter,
      logits,
      logitsAgain,
    };
  } finally {
    sequence.dispose();
    await session.dispose();
  }
}

async function runEngine(job: EngineJob): Promise<EngineAnswer> {
  const bundle = await bundleFromUrl(here(job.bundle));
  const profile = parseProfile(JSON.stringify(await fetchJson(job.profile)));
  const tokenizer = await loadBundleTokenizer(bundle);
  const choice = await chooseWebDevice(job.device);
  const session = await choice.backend.load(bundle);
  try {
    const engine = createEngine({ session, tokenizer, format: getTaskFormat(job.task), profile });
    const result = await engine.run(job.question);
    return {
      ranOn: await ranOn(session, choice),
      stages: result.stages.map((s) => ({
        name: s.name,
        text: s.text,
        tokens: s.tokens,
        exitReason: s.exitReason,
      })),
      answer: result.answer.ok ? result.answer.answer : null,
    };
  } finally {
    await session.dispose();
  }
}

export function runJob<J extends HarnessJob>(job: J): Promise<HarnessAnswer<J>> {
  const answer =
    job.kind === 'conformance'
      ? runConformance(job)
      : job.kind === 'device-caches'
        ? runDeviceCaches(job)
        : runEngine(job);
  return answer as Promise<HarnessAnswer<J>>;
}
