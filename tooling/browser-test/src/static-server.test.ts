import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxruntimeWebDist } from './onnxruntime-web-files.js';
import { type StaticServer, serveStatic } from './static-server.js';

let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'litestage-static-'));
  await mkdir(join(dir, 'site', 'sub'), { recursive: true });
  await mkdir(join(dir, 'models'));
  await writeFile(join(dir, 'site', 'index.html'), '<p>home</p>');
  await writeFile(join(dir, 'site', 'sub', 'index.html'), '<p>sub</p>');
  await writeFile(join(dir, 'secret.txt'), 'not served');
  await writeFile(join(dir, 'models', 'model.onnx'), Uint8Array.of(8, 1));
  server = await serveStatic({
    root: join(dir, 'site'),
    mounts: { '/models/': join(dir, 'models'), '/ort/': onnxruntimeWebDist() },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serveStatic', () => {
  it('listens on 127.0.0.1 and serves index.html for folders, cross-origin isolated', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const [path, body] of [
      ['', '<p>home</p>'],
      ['sub/', '<p>sub</p>'],
    ] as const) {
      const response = await fetch(new URL(path, server.url));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(body);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
  });

  it('serves mounted folders under their prefix', async () => {
    const response = await fetch(new URL('models/model.onnx', server.url));
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(Uint8Array.of(8, 1));
  });

  it("serves onnxruntime-web's wasm from node_modules as application/wasm, isolated too", async () => {
    const response = await fetch(new URL('ort/ort-wasm-simd-threaded.asyncify.wasm', server.url), {
      method: 'HEAD',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/wasm');
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(1_000_000);
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('answers 404 for missing files and refuses paths outside the served folders', async () => {
    const missing = await fetch(new URL('nothing.js', server.url));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    // %2f survives URL normalization, so the server sees `sub/../../secret.txt`.
    const outside = await fetch(new URL('/sub/..%2f..%2fsecret.txt', server.url));
    expect(outside.status).toBe(403);
    expect(await outside.text()).not.toContain('not served');
    const post = await fetch(server.url, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
