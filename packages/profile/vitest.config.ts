import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'profile',
    include: ['src/**/*.test.ts'],
  },
});
