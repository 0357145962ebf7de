import '@litestage/backend-node';
import {
  type BackendFailure,
  type BundleManifest,
  type BundleSource,
  createEngine,
  type Engine,
  type EngineOptions,
  type FullDepthGraph,
  type FullDepthOptions,
  fullDepthProfile,
  type KvCacheMode,
  type ModelSession,
  resolveBackend,
  type TaskFormat,
  type Tokenizer,
} from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import { loadBundleTokenizer, type ModelBundleManifest } from '@litestage/model';
import { openBundle } from '@litestage/model/node';
import type { Profile } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';

/** A bundle whose manifest `@litestage/model` has read (`openBundle`, `openDemoBundle`). */
export type ModelBundleSource = BundleSource & { readonly manifest: ModelBundleManifest };

/**
 * Where a model runs: `auto` tries CUDA, then WebGPU, then the CPU, and takes the first
 * that works here; the others are exactly that device or an error saying why not.
 */
export const DEVICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

/** A device a model actually runs on. */
export type RunDevice = Exclude<Device, 'auto'>;

/** The order `auto` tries devices in. */
export const AUTO_DEVICE_ORDER: readonly RunDevice[] = ['cuda', 'webgpu', 'cpu'];

/** Which device was asked for, which one runs, and why each one tried before it could not. */
export interface DeviceChoice {
  readonly requested: Device;
  readonly device: RunDevice;
  readonly passedOver: readonly BackendFailure[];
}

export interface OpenRuntimeOptions {
  /** A bundle folder made by the converter, or a bundle already opened. */
  readonly bundle: string | ModelBundleSource;
  /** A registered task format's name (default `tinythinker`), or a format. */
  readonly task?: string | TaskFormat;
  /** Options for a named format (e.g. `fewShot` exemplars for TinyThinker). */
  readonly taskOptions?: Readonly<Record<string, unknown>>;
  /** Where the model runs (default `cpu`); `auto` picks the first usable of cuda, webgpu, cpu. */
  readonly device?: Device;
  /** CPU threads for one step; 0 or omitted lets the backend choose. */
  readonly threads?: number;
  /** How K/V caches are kept between steps (`in-place` or `copy`); the backend's default when omitted. */
  readonly kvCache?: KvCacheMode;
  /** Which graph runs steps that skip nothing (`plain` or `gated`); the backend's default when omitted. */
  readonly fullDepthGraph?: FullDepthGraph;
}

/** Everything a command needs to answer questions with one bundle. */
export interface Runtime {
  readonly bundle: ModelBundleSource;
  readonly manifest: BundleManifest;
  readonly format: TaskFormat;
  readonly tokenizer: Tokenizer;
  readonly session: ModelSession;
  /** The device the session runs on (never `auto`). */
  readonly device: RunDevice;
  readonly deviceChoice: DeviceChoice;
  /** The profile that runs this bundle and format at full depth. */
  fullDepthProfile(options?: FullDepthOptions): Profile;
  /** A staged engine for `profile` (full depth when omitted) on this runtime's session. */
  createEngine(
    profile?: Profile,
    options?: Omit<EngineOptions, 'session' | 'tokenizer' | 'format' | 'profile'>,
  ): Engine;
  /** Releases the session. */
  dispose(): Promise<void>;
}

/** A runtime option that cannot be used (an unknown device, a bad thread count). */
export class RuntimeOptionError extends LiteStageError {
  override readonly name = 'RuntimeOptionError';
}

/**
 * Opens a bundle, its tokenizer, a task format and a backend session: the one set-up every
 * command and benchmark shares. The format is checked before the model is loaded, so a
 * wrong task name costs nothing.
 */
export async function openRuntime(options: OpenRuntimeOptions): Promise<Runtime> {
  const device = options.device ?? 'cpu';
  if (!(DEVICES as readonly string[]).includes(device)) {
    throw new RuntimeOptionError(`unknown device "${device}" (devices: ${DEVICES.join(', ')})`);
  }
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RuntimeOptionError(
      `threads must be an integer >= 0 (0: the backend chooses), not ${threads}`,
    );
  }
  const format =
    typeof options.task === 'object'
      ? options.task
      : getTaskFormat(options.task ?? 'tinythinker', options.taskOptions);
  const bundle =
    typeof options.bundle === 'string' ? await openBundle(options.bundle) : options.bundle;
  const tokenizer = await loadBundleTokenizer(bundle);
  const { name, backend, passedOver } = await resolveBackend(
    device === 'auto' ? AUTO_DEVICE_ORDER : [device],
  );
  const session = await backend.load(bundle, {
    ...(threads > 0 ? { threads } : {}),
    ...(options.kvCache ? { kvCache: options.kvCache } : {}),
    ...(options.fullDepthGraph ? { fullDepthGraph: options.fullDepthGraph } : {}),
  });
  const deviceChoice: DeviceChoice = { requested: device, device: name as RunDevice, passedOver };
  return {
    bundle,
    manifest: bundle.manifest,
    format,
    tokenizer,
    session,
    device: deviceChoice.device,
    deviceChoice,
    fullDepthProfile: (fullDepth) => fullDepthProfile(bundle.manifest, format, fullDepth),
    createEngine: (profile, engineOptions) =>
      createEngine({
        ...engineOptions,
        session,
        tokenizer,
        format,
        profile: profile ?? fullDepthProfile(bundle.manifest, format),
      }),
    dispose: () => session.dispose(),
  };
}

/**
 * One line saying which device runs and why each device tried before it was passed over,
 * e.g. `device auto: cpu (cuda: ...; webgpu: ...)`.
 */
export function describeDeviceChoice(choice: DeviceChoice): string {
  const passedOver = choice.passedOver.map((f) => `${f.backend} unusable: ${f.reason}`);
  return `device ${choice.requested}: running on ${choice.device}${passedOver.length > 0 ? ` (${passedOver.join('; ')})` : ''}`;
}
