import { configDefaults, defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'benchmark',
    include: ['src/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      'src/**/*.data.test.ts',
      'src/**/*.webgpu.test.ts',
      'src/**/*.browser.test.ts',
      'src/**/*.redis.test.ts',
    ],
  },
});
