import { defineConfig } from 'vitest/config';

// One entry point for every package's tests: `pnpm vitest run` runs them all, and
// `pnpm vitest run --project profile` runs one. Each package keeps its own config.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/*/vitest.config.ts',
      { test: { name: 'workspace', include: ['test/**/*.test.ts'] } },
    ],
  },
});
