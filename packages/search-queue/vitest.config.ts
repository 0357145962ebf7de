import { configDefaults, defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'search-queue',
    include: ['src/**/*.test.ts'],
    // Tests against a real Redis run in `pnpm test:redis` (they need Debian's redis-server).
    exclude: [
      ...configDefaults.exclude,
      'src/**/*.data.test.ts',
      'src/**/*.webgpu.test.ts',
      'src/**/*.browser.test.ts',
      'src/**/*.redis.test.ts',
    ],
    testTimeout: 60_000,
  },
});
