import { defineConfig } from 'vitest/config';

// The data suite (`pnpm test:data`): tests named `*.data.test.ts` that read real data
// which is not committed (full datasets, OBQA) from the data folder that `LITESTAGE_DATA`
// names (default `../shared/data` beside the repository). Every package's own config
// leaves these files out, so `pnpm test` runs on committed fixtures alone.
export default defineConfig({
  test: {
    name: 'data',
    include: ['{packages,apps,tooling}/*/src/**/*.data.test.ts'],
    globalSetup: ['tooling/fixtures/src/data-suite-setup.ts'],
    // Generous: CI machines are small and shared; speed is measured by benchmarks, not here.
    testTimeout: 120_000,
  },
});
