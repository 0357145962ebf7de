import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, launchChromium } from './chromium.js';

describe('launchChromium', () => {
  it('says how to install Chromium when it is not there, and never downloads one', async () => {
    await expect(launchChromium({ executablePath: '/nowhere/chromium' })).rejects.toThrow(
      "no Chromium at /nowhere/chromium: install Debian's (apt-get install chromium) or set LITESTAGE_CHROMIUM; playwright's own browsers are not used",
    );
  });

  it('enables WebGPU and keeps the browser off the network beyond 127.0.0.1', () => {
    expect(CHROMIUM_ARGS).toEqual([
      '--enable-unsafe-webgpu',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      '--disable-quic',
    ]);
  });
});
