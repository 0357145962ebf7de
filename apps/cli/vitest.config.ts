import { configDefaults, defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts'],
    // Data-suite tests need the data folder (`pnpm test:data`), WebGPU tests an adapter
    // (`pnpm test:webgpu`), browser tests Chromium (`pnpm test:browser`), Redis tests a
    // redis-server (`pnpm test:redis`).
    exclude: [
      ...configDefaults.exclude,
      'src/**/*.data.test.ts',
      'src/**/*.webgpu.test.ts',
      'src/**/*.browser.test.ts',
      'src/**/*.redis.test.ts',
    ],
    // Generous: CI machines are small and shared; speed is measured by benchmarks, not here.
    testTimeout: 60_000,
  },
});
