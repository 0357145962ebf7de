import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

/**
 * The headers every response carries: cross-origin isolation, which multi-threaded wasm
 * (SharedArrayBuffer) needs, and no caching, so a rebuilt page is never served stale.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // Streaming compilation needs this exact type.
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServerOptions {
  /** The folder served at `/` (`index.html` for a folder's URL). */
  readonly root: string;
  /**
   * More folders, by URL prefix: `{ '/ort/': onnxruntimeWebDist() }` serves that folder's
   * files under `/ort/`. The longest matching prefix wins.
   */
  readonly mounts?: Readonly<Record<string, string>>;
  /** Default 0: any free port. The server listens on 127.0.0.1 only. */
  readonly port?: number;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A static file server for real-browser tests: every response is cross-origin isolated
 * (COOP/COEP), files are streamed from disk (the 26 MB wasm is never copied), and nothing
 * outside the served folders can be reached (`..` is refused).
 */
export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const folders = Object.entries({ ...options.mounts, '/': options.root })
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) response.setHeader(name, value);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return end(response, 405, `${request.method} is not served`);
    }
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const mount = folders.find(([prefix]) => path.startsWith(prefix));
    if (!mount) return end(response, 404, `${path}: not served`);
    const [prefix, dir] = mount;
    const file = resolve(join(dir, path.slice(prefix.length)));
    if (file !== dir && !file.startsWith(dir + sep)) return end(response, 403, `${path}: outside`);
    sendFile(file, request.method === 'HEAD', response).catch(() =>
      end(response, 404, `${path}: no such file`),
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}

async function sendFile(path: string, headOnly: boolean, response: ServerResponse) {
  let file = path;
  let info = await stat(file);
  if (info.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file);
  }
  response.statusCode = 200;
  response.setHeader(
    'Content-Type',
    CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
  );
  response.setHeader('Content-Length', info.size);
  if (headOnly) return void response.end();
  createReadStream(file).pipe(response);
}

function end(response: ServerResponse, status: number, message: string) {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(message);
}
