/**
 * What the browser suite asks the harness page to do, and what it answers: plain data, so it
 * crosses `page.evaluate` and `postMessage` unchanged. Type-only: the Node tests import it.
 */

import type { Question } from '@litestage/core';

export type HarnessDevice = 'auto' | 'webgpu' | 'wasm';

/** Run one conformance case (`/fixtures/cases/<name>.json`) on a device. */
export interface ConformanceJob {
  readonly kind: 'conformance';
  readonly name: string;
  readonly device: HarnessDevice;
}

/**
 * Check a sequence's K/V caches on a device with a conformance case's bundle: where they live
 * after a prefill and three decode steps, and the same logits again after truncating to the
 * prompt plus one token and feeding the next two tokens once more.
 */
export interface DeviceCachesJob {
  readonly kind: 'device-caches';
  readonly name: string;
  readonly device: HarnessDevice;
}

/** Answer one question with a bundle and a profile, through the staged engine. */
export interface EngineJob {
  readonly kind: 'engine';
  /** The bundle folder's URL, relative to the page. */
  readonly bundle: string;
  /** The profile's URL, relative to the page. */
  readonly profile: string;
  /** A registered task format's name. */
  readonly task: string;
  readonly question: Question;
  readonly device: HarnessDevice;
}

export type HarnessJob = ConformanceJob | DeviceCachesJob | EngineJob;

/** Where a job ran, as the session and the device choice report it. */
export interface RanOn {
  /** `ModelSession.backend`: `web`. */
  readonly backend: string;
  /** `ModelSession.executionProvider`: `webgpu` or `wasm`. */
  readonly executionProvider: string;
  /** `describeWebDeviceChoice`'s line. */
  readonly choice: string;
  readonly isFallbackAdapter: boolean | null;
  /** Whether the page (or Worker) is cross-origin isolated, which multi-threaded wasm needs. */
  readonly crossOriginIsolated: boolean;
  /** `self.constructor.name`: `Window` or `DedicatedWorkerGlobalScope`. */
  readonly scope: string;
  /** `webRuntimeVersions()`: `onnxruntime-web`, `onnxruntime-common`. */
  readonly versions: Record<string, string>;
}

export interface ConformanceAnswer {
  readonly ranOn: RanOn;
  readonly tokens: number[];
  readonly logits: number[][];
}

export interface DeviceCachesAnswer {
  readonly ranOn: RanOn;
  /** The location of every non-empty cache tensor, after the steps and after the truncation. */
  readonly locations: string[];
  /** `layerLengths()` after the four steps, and after `truncate(prompt + 1)`. */
  readonly lengthsBefore: number[];
  readonly lengthsAfter: number[];
  /** The last position's logits of the prefill and the three decode steps. */
  readonly logits: number[][];
  /** The logits of the two decode steps fed again after the truncation. */
  readonly logitsAgain: number[][];
}

export interface EngineAnswer {
  readonly ranOn: RanOn;
  readonly stages: { name: string; text: string; tokens: number; exitReason: string }[];
  /** The chosen option's label, or null when the output names none. */
  readonly answer: string | null;
}

export type HarnessAnswer<J extends HarnessJob> = J extends ConformanceJob
  ? ConformanceAnswer
  : J extends DeviceCachesJob
    ? DeviceCachesAnswer
    : EngineAnswer;

/** What the page puts on `globalThis.litestageHarness`. */
export interface Harness {
  /** Runs a job on the page itself. */
  run<J extends HarnessJob>(job: J): Promise<HarnessAnswer<J>>;
  /** Runs a job in a dedicated Worker. */
  runInWorker<J extends HarnessJob>(job: J): Promise<HarnessAnswer<J>>;
}
