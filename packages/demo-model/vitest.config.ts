import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'demo-model',
    include: ['src/**/*.test.ts'],
  },
});
