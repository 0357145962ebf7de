/**
 * What the page and the model Worker say to each other: plain data, so it crosses
 * `postMessage` unchanged.
 */
import type { EngineEvent, Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import type { Method } from './compared-profiles.js';
import type { DemoDevice } from './deep-link.js';
import type { FetchProgress } from './progress-fetch.js';

/** Where the page's static files are, as absolute URLs (a Worker resolves against itself). */
export interface DemoAssetUrls {
  /** onnxruntime-web's wasm and its loader. */
  readonly ort: string;
  /** The bundle's folder. */
  readonly bundle: string;
  /** The LiteStage profile. */
  readonly profile: string;
}

export type ToWorker =
  | {
      readonly type: 'load';
      readonly device: DemoDevice;
      readonly urls: DemoAssetUrls;
    }
  | {
      readonly type: 'run';
      readonly runId: number;
      readonly question: Question;
      /** Which run goes first (alternated over a batch, so neither always runs warm). */
      readonly order: readonly Method[];
    }
  | { readonly type: 'cancel'; readonly runId: number };

/** Where the model ended up running. */
export interface LoadedModel {
  /** `ModelSession.backend` / `executionProvider`, e.g. `web/wasm`. */
  readonly backend: string;
  /** `describeWebDeviceChoice`'s line. */
  readonly choice: string;
  readonly crossOriginIsolated: boolean;
  /** Whether one question ran both ways before any timing (not on a fallback adapter). */
  readonly warmedUp: boolean;
  readonly modelName: string;
  readonly profile: Profile;
  readonly loadMs: number;
}

export type FromWorker =
  | { readonly type: 'progress'; readonly phase: string; readonly file?: FetchProgress }
  | { readonly type: 'loaded'; readonly model: LoadedModel }
  | {
      readonly type: 'event';
      readonly runId: number;
      readonly method: Method;
      readonly event: EngineEvent;
    }
  | { readonly type: 'run-done'; readonly runId: number }
  | { readonly type: 'error'; readonly runId?: number; readonly message: string };
