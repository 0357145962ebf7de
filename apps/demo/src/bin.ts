#!/usr/bin/env node
// `pnpm demo`: serves the built demo with COOP/COEP and prints its URL until stopped.
import { formatError, isLiteStageError } from '@litestage/errors';
import { ISOLATION_HEADERS, serveDemo } from './serve-demo.js';

const portArg = process.env.PORT ?? process.argv.find((a) => a.startsWith('--port='))?.slice(7);
try {
  const server = await serveDemo(portArg === undefined ? {} : { port: Number(portArg) });
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
