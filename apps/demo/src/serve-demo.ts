import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { ISOLATION_HEADERS, type StaticServer, serveStatic } from '@litestage/browser-test';
import { LiteStageError } from '@litestage/errors';
import { DEMO_APP_DIR } from './demo-assets.js';

export class DemoBuildMissingError extends LiteStageError {
  override readonly name = 'DemoBuildMissingError';
}

/** The port `pnpm demo` asks for first (Vite's preview port); `PORT` or `--port=` override it. */
export const DEFAULT_DEMO_PORT = 4173;

export interface ServeDemoOptions {
  /** The static build to serve; the app's own `dist/app/` by default. */
  readonly root?: string;
  /** Default 0: any free port. */
  readonly port?: number;
}

/**
 * Serves the demo's static build on 127.0.0.1 with the headers it needs
 * (`ISOLATION_HEADERS`: COOP `same-origin` and COEP `require-corp`, for multi-threaded wasm).
 */
export async function serveDemo(options: ServeDemoOptions = {}): Promise<StaticServer> {
  const root = options.root ?? DEMO_APP_DIR;
  try {
    await access(join(root, 'index.html'));
  } catch (cause) {
    throw new DemoBuildMissingError(`no demo build in ${root}`, {
      hint: 'build it first: pnpm build (or pnpm demo, which builds and serves)',
      cause,
    });
  }
  return serveStatic({ root, ...(options.port === undefined ? {} : { port: options.port }) });
}

export { ISOLATION_HEADERS };
