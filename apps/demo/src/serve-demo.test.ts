import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAssets, ORT_RUNTIME_FILES } from './demo-assets.js';
import { DemoBuildMissingError, serveDemo } from './serve-demo.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'litestage-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('serveDemo', () => {
  it('serves a build with the cross-origin isolation headers multi-threaded wasm needs', async () => {
    const root = join(dir, 'build');
    await mkdir(join(root, 'ort'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(root, 'ort', 'x.wasm'), new Uint8Array([0, 97, 115, 109]));
    const server = await serveDemo({ root });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      expect(await page.text()).toContain('<title>demo</title>');
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const wasm = await fetch(new URL('ort/x.wasm', server.url));
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect(wasm.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    } finally {
      await server.close();
    }
  });

  it('says how to build when there is no build', async () => {
    const served = serveDemo({ root: join(dir, 'nothing') });
    await expect(served).rejects.toThrow(DemoBuildMissingError);
    await expect(served).rejects.toMatchObject({ hint: expect.stringContaining('pnpm build') });
  });
});

describe('demoAssets', () => {
  it('takes the bundle, the shipped profile and the wasm runtime from where they are installed', async () => {
    const assets = await demoAssets();
    const paths = assets.map((a) => a.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'model/litestage.json',
        'model/model.onnx',
        'model/model.onnx.data',
        'model/tokenizer.json',
        'profiles/synthetic.json',
        ...ORT_RUNTIME_FILES.map((name) => `ort/${name}`),
      ]),
    );
    for (const asset of assets) expect((await stat(asset.source)).isFile()).toBe(true);
  });
});
