import { describe, expect, it } from 'vitest';
import { bundleFromFiles } from './bundle-from-files.js';
import { bundleFromUrl } from './bundle-from-url.js';
import { BundleError } from './bundle-manifest.js';
import { memoryBundle } from './testing/memory-bundle.js';
import { createRandomWeights } from './testing/random-weights.js';
import { tinyDecoderConfig } from './testing/tiny-decoder-config.js';

const config = tinyDecoderConfig();
const { manifest } = await memoryBundle(config, createRandomWeights(config));
const files = new Map<string, Uint8Array>([
  ['litestage.json', new TextEncoder().encode(JSON.stringify(manifest))],
  ['model.onnx', Uint8Array.of(1, 2, 3)],
]);

/** A server holding `files` under https://models.example/bundles/tiny/, recording the URLs asked for. */
function fakeServer() {
  const asked: string[] = [];
  const fetch = async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    asked.push(url);
    const name = url.replace('https://models.example/bundles/tiny/', '');
    const bytes = files.get(name);
    return bytes ? new Response(bytes) : new Response('not found', { status: 404 });
  };
  return { asked, fetch: fetch as typeof globalThis.fetch };
}

describe('bundleFromUrl', () => {
  it('reads the manifest and the files beside it, with or without a trailing slash', async () => {
    for (const url of [
      'https://models.example/bundles/tiny',
      'https://models.example/bundles/tiny/',
    ]) {
      const server = fakeServer();
      const bundle = await bundleFromUrl(url, { fetch: server.fetch });
      expect(bundle.manifest.fingerprint).toBe(manifest.fingerprint);
      expect(bundle.location).toBe('https://models.example/bundles/tiny');
      expect(await bundle.readFile('model.onnx')).toEqual(Uint8Array.of(1, 2, 3));
      expect(bundle.pathOf).toBeUndefined();
      expect(server.asked).toEqual([
        'https://models.example/bundles/tiny/litestage.json',
        'https://models.example/bundles/tiny/model.onnx',
      ]);
    }
  });

  it('names a file the server does not have, with its URL and status', async () => {
    const bundle = await bundleFromUrl('https://models.example/bundles/tiny', fakeServer());
    const missing = bundle.readFile('model.onnx.data');
    await expect(missing).rejects.toThrow(BundleError);
    await expect(missing).rejects.toThrow(
      'https://models.example/bundles/tiny: missing bundle file model.onnx.data (https://models.example/bundles/tiny/model.onnx.data: HTTP 404)',
    );
  });

  it('says a folder without litestage.json is not a bundle', async () => {
    await expect(bundleFromUrl('https://models.example/other/', fakeServer())).rejects.toThrow(
      /https:\/\/models\.example\/other: not a LiteStage bundle \(no litestage\.json\)/,
    );
  });

  it('refuses a relative URL where there is no page to resolve it against', async () => {
    await expect(bundleFromUrl('/bundles/tiny/', fakeServer())).rejects.toThrow(
      '/bundles/tiny/: not a bundle URL (a relative URL needs a page or a Worker to resolve against)',
    );
  });

  it('says which file could not be fetched when the network fails', async () => {
    const server = fakeServer();
    const dropsModels = (async (input: string | URL) => {
      if (String(input).endsWith('.onnx')) throw new TypeError('fetch failed');
      return server.fetch(input);
    }) as typeof fetch;
    const bundle = await bundleFromUrl('https://models.example/bundles/tiny', {
      fetch: dropsModels,
    });
    await expect(bundle.readFile('model.onnx')).rejects.toThrow(
      'https://models.example/bundles/tiny: cannot fetch bundle file model.onnx (https://models.example/bundles/tiny/model.onnx)',
    );
  });
});

describe('bundleFromFiles', () => {
  const picked = [...files].map(([name, bytes]) => new File([bytes], name));

  it('finds each file by its name', async () => {
    const bundle = await bundleFromFiles(picked);
    expect(bundle.manifest.fingerprint).toBe(manifest.fingerprint);
    expect(bundle.location).toBe('the chosen files');
    expect(await bundle.readFile('model.onnx')).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('names a missing file and the files that were chosen', async () => {
    const bundle = await bundleFromFiles(picked, 'tiny');
    await expect(bundle.readFile('tokenizer.json')).rejects.toThrow(
      'tiny: missing bundle file tokenizer.json (files chosen: litestage.json, model.onnx); choose every file of the bundle folder',
    );
    await expect(bundleFromFiles([picked[1] as File], 'tiny')).rejects.toThrow(
      /tiny: not a LiteStage bundle \(no litestage\.json\)/,
    );
  });
});
