import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_QUEUE_NAME",
      "QueueConnectionError",
      "QueueEvaluator",
      "QueueJobError",
      "QueueOptionError",
      "jobIdOf",
      "parseRedisUrl",
      "searchIdOf",
      "startQueueWorker",
    ]
  `);
});
