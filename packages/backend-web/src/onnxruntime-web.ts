import { LiteStageError } from '@litestage/errors';

/** The namespace of `onnxruntime-web/webgpu` (it serves both `webgpu` and `wasm`). */
export type OnnxruntimeWeb = typeof import('onnxruntime-web/webgpu');

/** Where onnxruntime-web finds its wasm files, and how many threads it runs. */
export interface WebRuntimeOptions {
  /**
   * The URL of the folder that serves onnxruntime-web's `dist/` files
   * (`ort-wasm-simd-threaded.asyncify.wasm` and `.mjs` beside it), e.g. `/ort/`. Served by
   * your own server, never a CDN.
   */
  readonly wasmPaths: string | URL;
  /**
   * wasm threads (default: onnxruntime-web's, half the cores up to 4). More than one needs a
   * cross-origin isolated page (COOP/COEP headers); without it onnxruntime-web runs one.
   */
  readonly threads?: number;
  /** onnxruntime-web's log level (default its own, `warning`). */
  readonly logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
}

/** onnxruntime-web cannot be loaded or was not told where its files are. */
export class WebRuntimeError extends LiteStageError {
  override readonly name = 'WebRuntimeError';
}

let options: WebRuntimeOptions | null = null;
let loaded: Promise<OnnxruntimeWeb> | null = null;

/**
 * Tells the backend where onnxruntime-web's wasm files are served. Call it once, before the
 * first session (onnxruntime-web reads these settings when it first starts).
 */
export function configureWebRuntime(next: WebRuntimeOptions): void {
  if (loaded && options && String(options.wasmPaths) !== String(next.wasmPaths)) {
    throw new WebRuntimeError(
      `onnxruntime-web already runs with its wasm files from ${options.wasmPaths}; configure the backend before the first session`,
    );
  }
  if (next.threads !== undefined && (!Number.isInteger(next.threads) || next.threads < 1)) {
    throw new WebRuntimeError(`threads must be a positive integer, not ${next.threads}`);
  }
  options = next;
}

/**
 * onnxruntime-web, loaded once by a dynamic import: a static import puts it in the app's
 * bundle, and multi-threaded wasm then hangs at session creation.
 */
export function loadOnnxruntimeWeb(): Promise<OnnxruntimeWeb> {
  const configured = options;
  if (!configured) {
    return Promise.reject(
      new WebRuntimeError("onnxruntime-web's wasm files have no location", {
        hint: "call configureWebRuntime({ wasmPaths: '/ort/' }) with the folder that serves onnxruntime-web/dist (from your own server, not a CDN)",
      }),
    );
  }
  loaded ??= import('onnxruntime-web/webgpu').then(
    (ort) => {
      ort.env.wasm.wasmPaths = String(configured.wasmPaths);
      if (configured.threads !== undefined) ort.env.wasm.numThreads = configured.threads;
      if (configured.logLevel !== undefined) ort.env.logLevel = configured.logLevel;
      return ort;
    },
    (error: unknown) => {
      loaded = null;
      throw new WebRuntimeError(`cannot load onnxruntime-web: ${messageOf(error)}`, {
        cause: error,
      });
    },
  );
  return loaded;
}

/** The versions of onnxruntime-web and -common that run here, once loaded. */
export async function webRuntimeVersions(): Promise<Record<string, string>> {
  const ort = await loadOnnxruntimeWeb();
  const versions: Record<string, string> = {};
  for (const [name, version] of Object.entries(ort.env.versions)) {
    if (typeof version === 'string') versions[`onnxruntime-${name}`] = version;
  }
  return versions;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] || error.name : String(error);
}
