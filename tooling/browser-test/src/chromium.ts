import { existsSync } from 'node:fs';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright's own browsers are never installed. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * WebGPU on whatever adapter there is (SwiftShader without a GPU: correctness only, fp32,
 * tiny shapes), and no lookups or connections beyond 127.0.0.1.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  '--disable-quic',
];

export interface LaunchChromiumOptions {
  /** Default `CHROMIUM_PATH`, or `LITESTAGE_CHROMIUM` when set. */
  readonly executablePath?: string;
  /** Added after `CHROMIUM_ARGS`. */
  readonly args?: readonly string[];
  /** Default true. */
  readonly headless?: boolean;
}

/** Starts Chromium through playwright-core with `CHROMIUM_ARGS`; fails clearly when it is not installed. */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? process.env.LITESTAGE_CHROMIUM ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: install Debian's (apt-get install chromium) or set LITESTAGE_CHROMIUM; playwright's own browsers are not used`,
    );
  }
  const launch: LaunchOptions = {
    executablePath,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  };
  return chromium.launch(launch);
}
