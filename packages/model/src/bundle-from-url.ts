import { BundleError } from './bundle-manifest.js';
import { type ModelBundle, readBundle } from './read-bundle.js';

export interface BundleFromUrlOptions {
  /** The fetch to read files with (default: the global `fetch`), e.g. one that adds headers. */
  readonly fetch?: typeof fetch;
}

/**
 * A bundle served over HTTP: `url` is its folder (`https://host/bundles/v2/`; a missing
 * trailing slash is added), each file fetched beside `litestage.json`. Browser-safe, and
 * usable from a Worker. A file the server does not have fails with its name and the status.
 */
export async function bundleFromUrl(
  url: string | URL,
  options: BundleFromUrlOptions = {},
): Promise<ModelBundle> {
  const href = String(url).endsWith('/') ? String(url) : `${url}/`;
  const base = baseUrl();
  if (!URL.canParse(href, base)) {
    throw new BundleError(
      `${url}: not a bundle URL${base ? '' : ' (a relative URL needs a page or a Worker to resolve against)'}`,
    );
  }
  const folder = new URL(href, base);
  const location = folder.href.replace(/\/$/, '');
  const get = options.fetch ?? fetch;
  return readBundle({
    location,
    readFile: async (name) => {
      const fileUrl = new URL(name, folder);
      let response: Response;
      try {
        response = await get(fileUrl);
      } catch (error) {
        throw new BundleError(`${location}: cannot fetch bundle file ${name} (${fileUrl.href})`, {
          cause: error,
        });
      }
      if (!response.ok) {
        throw new BundleError(
          `${location}: missing bundle file ${name} (${fileUrl.href}: HTTP ${response.status})`,
        );
      }
      return new Uint8Array(await response.arrayBuffer());
    },
  });
}

/** Relative URLs resolve against the page (or the Worker's script) when there is one. */
function baseUrl(): string | undefined {
  const here = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof here === 'string' ? here : undefined;
}
