import { defineConfig } from 'vitest/config';

// The Redis suite (`pnpm test:redis`): tests named `*.redis.test.ts` that start a real
// `redis-server` (Debian's, `apt-get install redis-server`) on a free loopback port. Every
// package's own config leaves these files out, so `pnpm test` needs no Redis.
export default defineConfig({
  test: {
    name: 'redis',
    include: ['{packages,apps,tooling}/*/src/**/*.redis.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // One file at a time: each runs searches on the same two cores.
    fileParallelism: false,
  },
});
