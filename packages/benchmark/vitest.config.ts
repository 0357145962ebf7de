import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'benchmark',
    include: ['src/**/*.test.ts'],
  },
});
