import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'backend-web',
    include: ['src/**/*.test.ts'],
  },
});
