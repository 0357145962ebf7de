import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'runtime',
    include: ['src/**/*.test.ts'],
    // Generous: CI machines are small and shared; speed is measured by benchmarks, not here.
    testTimeout: 60_000,
  },
});
