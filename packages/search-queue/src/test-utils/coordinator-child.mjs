// A search coordinator in a process of its own, for the test that kills one:
//   node coordinator-child.mjs <json options>
// Runs the same search as the test (see queue-search.redis.test.ts) with a file checkpoint.
import { readFile } from 'node:fs/promises';
import { openRuntime } from '@litestage/runtime';
import { EngineEvaluator, modelLatency, searchProfile } from '@litestage/search';
import { FileCheckpointStore } from '@litestage/search/node';
import { QueueEvaluator } from '../../dist/index.js';

const options = JSON.parse(await readFile(process.argv[2], 'utf8'));
const runtime = await openRuntime({ bundle: options.bundle, task: 'synthetic', threads: 1 });
const local = new EngineEvaluator({
  session: runtime.session,
  tokenizer: runtime.tokenizer,
  format: runtime.format,
  baseProfile: options.template.base,
  questions: options.questions,
  earlyExit: options.search.earlyExit,
});
const evaluator = await QueueEvaluator.open(local, {
  url: options.url,
  queueName: options.queueName,
  fingerprint: runtime.manifest.fingerprint,
  task: 'synthetic',
  baseProfile: options.template.base,
  earlyExit: options.search.earlyExit,
  questions: options.questions,
});
process.stdout.write('started\n');
await searchProfile(evaluator, options.template, {
  ...options.search,
  latency: modelLatency(options.latencyModel),
  checkpoint: new FileCheckpointStore(options.checkpoint),
  now: () => new Date(options.now),
});
process.stdout.write('finished\n');
await evaluator.close();
await runtime.dispose();
