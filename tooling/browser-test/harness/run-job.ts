// Runs the browser suite's jobs with the packages as an application would: the web backend
// through the registry, bundles from URLs, the same conformance runner and engine as Node.
import {
  chooseWebDevice,
  configureWebRuntime,
  describeWebDeviceChoice,
  type WebDeviceChoice,
} from '@litestage/backend-web';
import {
  type ConformanceCase,
  parseConformanceCase,
  runConformanceCase,
} from '@litestage/conformance';
import { createEngine, type ModelSession } from '@litestage/core';
import { bundleFromUrl, loadBundleTokenizer } from '@litestage/model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';
import type {
  ConformanceAnswer,
  ConformanceJob,
  EngineAnswer,
  EngineJob,
  HarnessAnswer,
  HarnessJob,
  RanOn,
} from './jobs.js';

// The page's server serves onnxruntime-web's dist/ folder here (from node_modules). Its
// warnings (e.g. shape ops placed on the CPU next to WebGPU) would only be noise in test logs.
configureWebRuntime({ wasmPaths: new URL('/ort/', globalThis.location.href), logLevel: 'error' });

const here = (path: string) => new URL(path, globalThis.location.href);

async function fetchJson(path: string): Promise<unknown> {
  const response = await fetch(here(path));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function ranOn(session: ModelSession, choice: WebDeviceChoice): RanOn {
  return {
    backend: session.backend,
    executionProvider: session.executionProvider,
    choice: describeWebDeviceChoice(choice),
    isFallbackAdapter: choice.adapter?.isFallbackAdapter ?? null,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    scope: globalThis.constructor.name,
  };
}

async function runConformance(job: ConformanceJob): Promise<ConformanceAnswer> {
  const file = `/fixtures/cases/${job.name}.json`;
  const kase: ConformanceCase = parseConformanceCase(await fetchJson(file), file);
  const profile = parseProfile(JSON.stringify(await fetchJson(`/fixtures/${kase.profile}`)));
  const bundle = await bundleFromUrl(here(`/fixtures/${kase.bundle}/`));
  const choice = await chooseWebDevice(job.device);
  const session = await choice.backend.load(bundle);
  try {
    const run = await runConformanceCase(session, kase, profile);
    return {
      ranOn: ranOn(session, choice),
      tokens: run.tokens,
      logits: run.logits.map((row) => Array.from(row)),
    };
  } finally {
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
      ranOn: ranOn(session, choice),
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
  const answer = job.kind === 'conformance' ? runConformance(job) : runEngine(job);
  return answer as Promise<HarnessAnswer<J>>;
}
