import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Question } from '@litestage/core';
import { demoBundleDir } from '@litestage/demo-model';
import { type RedisServer, startRedisServer, waitUntil } from '@litestage/fixtures';
import type { Profile } from '@litestage/profile';
import { openRuntime } from '@litestage/runtime';
import {
  EngineEvaluator,
  type LatencyModel,
  MemoryCheckpointStore,
  modelLatency,
  type ProfileTemplate,
  type SearchOptions,
  searchProfile,
} from '@litestage/search';
import { FileCheckpointStore } from '@litestage/search/node';
import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueConnectionError, QueueEvaluator, QueueJobError, startQueueWorker } from './index.js';

// The search these tests run three ways (in-process, queued, queued with faults): the demo
// reasoner on 12 calibration questions with small budgets, priced by a fixed latency model
// so every run prices candidates alike.
const questions: Question[] = generateSyntheticQuestions(createWorld(), {
  split: 'calib',
  count: 12,
}).map((q) => ({ id: q.id, question: q.question, options: q.options, answer: q.answer }));
const latencyModel: LatencyModel = {
  numLayers: 16,
  stepMs: 0.3,
  attnMs: 0.03,
  ffnMs: 0.04,
  prefillTokenMs: 0.2,
};
const earlyExit = { confidence: 'maxProb' as const, window: 4 };
const searchSettings = { epsilon: 0.04, maxBudget: 3, thresholdGrid: [0.4, 0.6], earlyExit };
const NOW = '2026-01-01T00:00:00.000Z';
const STALL_MS = 1000;
const here = fileURLToPath(new URL('.', import.meta.url));

const runtime = await openRuntime({ bundle: demoBundleDir(), task: 'synthetic', threads: 1 });
const baseProfile = runtime.fullDepthProfile();
const template: ProfileTemplate = {
  base: baseProfile,
  calibrationId: 'calib#12',
  searcher: { name: '@litestage/search', version: 'test' },
  environment: { device: 'test', backend: 'node', executionProvider: 'cpu', runtimeVersions: {} },
};

function localEvaluator(): EngineEvaluator {
  return new EngineEvaluator({
    session: runtime.session,
    tokenizer: runtime.tokenizer,
    format: runtime.format,
    baseProfile,
    questions,
    earlyExit,
  });
}

function options(extra: Partial<SearchOptions> = {}): SearchOptions {
  return {
    ...searchSettings,
    latency: modelLatency(latencyModel),
    now: () => new Date(NOW),
    ...extra,
  };
}

/** The profile without where its evaluations ran: the one thing a queue may change. */
function comparable(profile: Profile): unknown {
  const { evaluation: _, ...provenance } = profile.provenance ?? ({} as never);
  return { ...profile, provenance };
}

let redis: RedisServer;
let queueNumber = 0;
/** A queue of its own per test, so no test sees another's jobs. */
const freshQueue = () => `test-${process.pid}-${queueNumber++}`;

async function openQueued(
  queueName: string,
  extra: { url?: string; unreachableAfterMs?: number } = {},
) {
  return QueueEvaluator.open(localEvaluator(), {
    url: redis.url,
    queueName,
    fingerprint: runtime.manifest.fingerprint,
    task: 'synthetic',
    baseProfile,
    earlyExit,
    questions,
    ...extra,
  });
}

function worker(queueName: string, name: string, bundle = demoBundleDir()) {
  return startQueueWorker({ url: redis.url, queueName, bundle, name, stalledAfterMs: STALL_MS });
}

function spawnNode(args: string[]): ChildProcess & { lines: string[] } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  return Object.assign(child, { lines });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

let reference: Profile;
let referenceEvaluations: number;

beforeAll(async () => {
  redis = await startRedisServer();
  const result = await searchProfile(localEvaluator(), template, options());
  reference = result.profile;
  referenceEvaluations = result.questionEvaluations;
}, 300_000);

afterAll(async () => {
  await redis?.kill();
  await runtime.dispose();
});

describe('a search through the queue', () => {
  it('writes the in-process profile with 2 workers, each evaluation done once', async () => {
    const queueName = freshQueue();
    const workers = [await worker(queueName, 'w1'), await worker(queueName, 'w2')];
    const evaluator = await openQueued(queueName);
    try {
      const result = await searchProfile(evaluator, template, options());
      expect(comparable(result.profile)).toEqual(comparable(reference));
      expect(result.profile.provenance?.evaluation).toEqual({ mode: 'queue', workers: 2 });
      expect(result.questionEvaluations).toBe(referenceEvaluations);
      // Every job the coordinator waited on was answered by exactly one worker (a worker
      // hears of its last completion a moment after the coordinator does).
      await waitUntil(
        () => workers[0]!.processed + workers[1]!.processed === evaluator.evaluated,
        'the workers count every job the coordinator got',
        5000,
      );
      expect(workers.every((w) => w.processed > 0)).toBe(true);
    } finally {
      await evaluator.close();
      await Promise.all(workers.map((w) => w.close()));
    }
  });

  it('stops with the worker and both fingerprints when a worker has another bundle', async () => {
    const queueName = freshQueue();
    const wrong = await worker(queueName, 'wrong-bundle', demoBundleDir('v1'));
    const evaluator = await openQueued(queueName);
    const checkpoint = new MemoryCheckpointStore();
    try {
      const search = searchProfile(evaluator, template, options({ checkpoint }));
      await expect(search).rejects.toThrow(QueueJobError);
      await expect(search).rejects.toThrow(
        /worker wrong-bundle has another bundle: .*v1 is sha256:\w+, the search needs sha256:\w+/,
      );
      // What the search had learnt (the ranking) was saved before it stopped.
      expect((await checkpoint.load())?.ranking).not.toBeNull();
      expect(wrong.processed).toBe(0);
    } finally {
      await evaluator.close();
      await wrong.close();
    }
  });

  it('gives the job of a worker killed mid-job to another, and ends with the same profile', async () => {
    const queueName = freshQueue();
    const child = spawnNode([
      join(here, 'test-utils/worker-child.mjs'),
      redis.url,
      queueName,
      demoBundleDir(),
      'doomed',
      String(STALL_MS),
    ]);
    const survivor = await worker(queueName, 'survivor');
    const queue = new Queue(queueName, { connection: { url: redis.url } });
    const events = new QueueEvents(queueName, { connection: { url: redis.url } });
    let stalled = 0;
    events.on('stalled', () => stalled++);
    await events.waitUntilReady();
    const evaluator = await openQueued(queueName);
    try {
      await waitUntil(
        () => child.lines.some((l) => l.startsWith('ready')),
        'the child worker is ready',
      );
      const search = searchProfile(evaluator, template, options());
      search.catch(() => {});
      // Freeze the child while it holds a job, check that it still does, then kill it.
      const holdsJob = async () =>
        (await queue.getActive()).some((job) => job.processedBy === 'doomed');
      await waitUntil(async () => {
        if (!(await holdsJob())) return false;
        child.kill('SIGSTOP');
        if (await holdsJob()) return true;
        child.kill('SIGCONT');
        return false;
      }, 'the child worker holds a job');
      await killed(child);
      const result = await search;
      expect(stalled).toBeGreaterThanOrEqual(1);
      expect(comparable(result.profile)).toEqual(comparable(reference));
      expect(result.questionEvaluations).toBe(referenceEvaluations);
      // Every job was completed once, the killed one's by the survivor; Redis says who
      // finished each (the child may die between finishing a job and saying so).
      const completed = await queue.getCompleted(0, -1);
      expect(completed.length).toBe(evaluator.evaluated);
      const byChild = completed.filter((job) => job.processedBy === 'doomed').length;
      await waitUntil(
        () => byChild + survivor.processed === evaluator.evaluated,
        'the survivor counts its jobs',
        5000,
      );
    } finally {
      await killed(child);
      await evaluator.close();
      await survivor.close();
      await events.close();
      await queue.close();
    }
  });

  it('resumes after the coordinator is killed, from its checkpoint and the results in Redis', async () => {
    const queueName = freshQueue();
    const dir = await mkdtemp(join(tmpdir(), 'litestage-queue-'));
    const checkpoint = join(dir, 'search.checkpoint.json');
    const workers = [await worker(queueName, 'w1'), await worker(queueName, 'w2')];
    const processed = () => workers[0]!.processed + workers[1]!.processed;
    try {
      const settings = join(dir, 'coordinator.json');
      await writeFile(
        settings,
        JSON.stringify({
          bundle: demoBundleDir(),
          url: redis.url,
          queueName,
          questions,
          template,
          search: searchSettings,
          latencyModel,
          checkpoint,
          now: NOW,
        }),
      );
      const coordinator = spawnNode([join(here, 'test-utils/coordinator-child.mjs'), settings]);
      await waitUntil(() => processed() >= 40, 'the workers answered 40 questions');
      await killed(coordinator);
      expect(coordinator.lines).not.toContain('finished');
      const evaluator = await openQueued(queueName);
      try {
        const result = await searchProfile(
          evaluator,
          template,
          options({ checkpoint: new FileCheckpointStore(checkpoint) }),
        );
        expect(comparable(result.profile)).toEqual(comparable(reference));
        expect(result.resumedEvaluations).toBeGreaterThan(0);
        // No question was answered twice: the jobs the killed coordinator left in Redis
        // were taken from there, not run again.
        const queue = new Queue(queueName, { connection: { url: redis.url } });
        const completed = await queue.getJobCountByTypes('completed');
        await queue.close();
        await waitUntil(() => processed() === completed, 'the workers count every job', 5000);
        expect(completed).toBeLessThanOrEqual(referenceEvaluations);
      } finally {
        await evaluator.close();
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Redis faults', () => {
  it('fails at once with one line when Redis cannot be reached', async () => {
    const gone = await startRedisServer();
    await gone.kill();
    const open = openQueued(freshQueue(), { url: gone.url });
    await expect(open).rejects.toThrow(QueueConnectionError);
    await expect(open).rejects.toThrow(
      new RegExp(`^cannot reach Redis at redis://127\\.0\\.0\\.1:${gone.port}: .*ECONNREFUSED`),
    );
    await expect(startQueueWorker({ url: gone.url, bundle: demoBundleDir() })).rejects.toThrow(
      /^cannot reach Redis/,
    );
  });

  it('stops a search whose Redis goes away, its checkpoint intact', async () => {
    const own = await startRedisServer();
    const queueName = freshQueue();
    const w = await startQueueWorker({ url: own.url, queueName, bundle: demoBundleDir() });
    const evaluator = await openQueued(queueName, { url: own.url, unreachableAfterMs: 1500 });
    const checkpoint = new MemoryCheckpointStore();
    try {
      const search = searchProfile(evaluator, template, options({ checkpoint }));
      search.catch(() => {});
      await waitUntil(() => w.processed >= 20, 'the worker answered 20 questions');
      await own.kill();
      await expect(search).rejects.toThrow(QueueConnectionError);
      await expect(search).rejects.toThrow(
        /^lost Redis at redis:\/\/127\.0\.0\.1:\d+: unreachable/,
      );
      const saved = await checkpoint.load();
      const scores = Object.values(saved?.scores ?? {}).flatMap((s) => Object.keys(s));
      expect(scores.length).toBeGreaterThanOrEqual(12);
    } finally {
      await evaluator.close();
      await w.close();
    }
  });
});
