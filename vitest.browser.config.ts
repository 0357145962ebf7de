import { defineConfig } from 'vitest/config';

// The browser suite (`pnpm test:browser`): tests named `*.browser.test.ts` that drive Debian's
// headless Chromium (`apt-get install chromium`; playwright's own browsers are never
// installed) through `@litestage/browser-test`. WebGPU there runs on SwiftShader without a
// GPU. Every package's own config leaves these files out, so `pnpm test` needs no Chromium.
export default defineConfig({
  test: {
    name: 'browser',
    include: ['{packages,apps,tooling}/*/src/**/*.browser.test.ts'],
    // SwiftShader runs shaders on the CPU: slow, and CI machines are small and shared.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // One file at a time: each one starts its own Chromium.
    fileParallelism: false,
  },
});
