import '@litestage/backend-node';
import {
  type BundleManifest,
  type BundleSource,
  createEngine,
  type Engine,
  type EngineOptions,
  type FullDepthOptions,
  fullDepthProfile,
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

/** Where a model runs. */
export const DEVICES = ['cpu'] as const;
export type Device = (typeof DEVICES)[number];

export interface OpenRuntimeOptions {
  /** A bundle folder made by the converter, or a bundle already opened. */
  readonly bundle: string | ModelBundleSource;
  /** A registered task format's name (default `tinythinker`), or a format. */
  readonly task?: string | TaskFormat;
  /** Options for a named format (e.g. `fewShot` exemplars for TinyThinker). */
  readonly taskOptions?: Readonly<Record<string, unknown>>;
  /** Where the model runs (default `cpu`). */
  readonly device?: Device;
  /** CPU threads for one step; 0 or omitted lets the backend choose. */
  readonly threads?: number;
}

/** Everything a command needs to answer questions with one bundle. */
export interface Runtime {
  readonly bundle: ModelBundleSource;
  readonly manifest: BundleManifest;
  readonly format: TaskFormat;
  readonly tokenizer: Tokenizer;
  readonly session: ModelSession;
  readonly device: Device;
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
  const { backend } = await resolveBackend(['node']);
  const session = await backend.load(bundle, {
    executionProviders: [device],
    ...(threads > 0 ? { threads } : {}),
  });
  return {
    bundle,
    manifest: bundle.manifest,
    format,
    tokenizer,
    session,
    device,
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
