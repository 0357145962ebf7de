import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFORMANCE_FIXTURES } from '@litestage/conformance/node';
import { demoBundleDir, demoProfilePath } from '@litestage/demo-model';
import type { Browser, Page } from 'playwright-core';
import type { Harness, HarnessAnswer, HarnessJob } from '../../harness/jobs.js';
import { launchChromium } from '../chromium.js';
import { onnxruntimeWebDist } from '../onnxruntime-web-files.js';
import { type StaticServer, serveStatic } from '../static-server.js';

/** The harness page as `vite build` wrote it (`pnpm build`). */
const HARNESS_DIST = fileURLToPath(new URL('../../dist/harness/', import.meta.url));

/** The folders the harness reads, by the URL prefix its jobs use. */
const MOUNTS = {
  '/ort/': onnxruntimeWebDist(),
  '/fixtures/': CONFORMANCE_FIXTURES,
  '/demo-model/bundle/': demoBundleDir('v2'),
  '/demo-model/profiles/': dirname(demoProfilePath('v2')),
};

export interface HarnessPage {
  run<J extends HarnessJob>(job: J): Promise<HarnessAnswer<J>>;
  runInWorker<J extends HarnessJob>(job: J): Promise<HarnessAnswer<J>>;
  close(): Promise<void>;
}

/**
 * Serves the built harness page with COOP/COEP, opens it in headless Chromium and waits
 * until it is ready; the page's console errors are passed on to the test's output.
 */
export async function openHarnessPage(): Promise<HarnessPage> {
  const server: StaticServer = await serveStatic({ root: HARNESS_DIST, mounts: MOUNTS });
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const page: Page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`[page] ${message.text()}`);
    });
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400)
        console.error(`[page] HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(new URL('index.html', server.url).href);
    await page.waitForFunction(() => 'litestageHarness' in globalThis);
    const call = <J extends HarnessJob>(method: keyof Harness, job: J) =>
      page.evaluate(
        ([m, j]) => (globalThis as unknown as { litestageHarness: Harness }).litestageHarness[m](j),
        [method, job] as const,
      ) as Promise<HarnessAnswer<J>>;
    const opened = browser;
    return {
      run: (job) => call('run', job),
      runInWorker: (job) => call('runInWorker', job),
      close: async () => {
        await opened.close();
        await server.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}
