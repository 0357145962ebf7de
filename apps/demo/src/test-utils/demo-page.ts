import { launchChromium, type StaticServer } from '@litestage/browser-test';
import type { Browser, Page } from 'playwright-core';
import { serveDemo } from '../serve-demo.js';

/** The built demo (`pnpm build`) served with COOP/COEP, and headless Chromium to open it. */
export interface DemoSite {
  /** Opens the page at `search` and waits until it is `ready` (no autorun) or `done`. */
  open(search?: string, until?: 'ready' | 'done'): Promise<Page>;
  close(): Promise<void>;
}

export async function openDemoSite(): Promise<DemoSite> {
  const server: StaticServer = await serveDemo();
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    const opened = browser;
    return {
      async open(search = '', until = 'done') {
        const page = await opened.newPage({ viewport: { width: 1280, height: 900 } });
        page.on('console', (message) => {
          // onnxruntime's own session-creation warnings arrive as console errors: noise here.
          if (message.type() === 'error' && !message.text().includes('onnxruntime')) {
            console.error(`[page] ${message.text()}`);
          }
        });
        page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
        page.on('response', (response) => {
          if (response.status() >= 400)
            console.error(`[page] HTTP ${response.status()}: ${response.url()}`);
        });
        await page.goto(new URL(search, server.url).href);
        const state = await waitForState(page, [until, 'error']);
        if (state === 'error') {
          throw new Error(`the page failed: ${await page.locator('#problems').textContent()}`);
        }
        return page;
      },
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

/** The page's `document.body.dataset.state` (this file is type-checked without the DOM). */
const STATE = 'document.body.dataset.state';

/** Waits until the page is in one of `states`, and says which. */
export async function waitForState(page: Page, states: readonly string[]): Promise<string> {
  await page.waitForFunction(`${JSON.stringify(states)}.includes(${STATE})`, null, {
    timeout: 0,
    polling: 250,
  });
  return (await page.evaluate(STATE)) as string;
}
