#!/usr/bin/env node
// `pnpm demo`: serves the built demo with COOP/COEP and prints its URL until stopped.
import { formatError, isLiteStageError } from '@litestage/errors';
import { DEFAULT_DEMO_PORT, ISOLATION_HEADERS, serveDemo } from './serve-demo.js';

const asked = process.env.PORT ?? process.argv.find((a) => a.startsWith('--port='))?.slice(7);
try {
  let server: Awaited<ReturnType<typeof serveDemo>>;
  try {
    server = await serveDemo({ port: asked === undefined ? DEFAULT_DEMO_PORT : Number(asked) });
  } catch (error) {
    // Port taken by something else: any free one will do when none was asked for.
    if (asked !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    server = await serveDemo({ port: 0 });
  }
  console.log(`LiteStage demo: ${server.url}`);
  console.log(
    `every response carries ${Object.entries(ISOLATION_HEADERS)
      .map(([name, value]) => `${name}: ${value}`)
      .join(', ')}`,
  );
  console.log('press Ctrl+C to stop');
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(isLiteStageError(error) ? formatError(error, 'litestage-demo: ') : error);
  process.exit(1);
}
