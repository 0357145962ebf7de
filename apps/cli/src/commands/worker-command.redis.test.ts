import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoBundleDir } from '@litestage/demo-model';
import { type RedisServer, startRedisServer, waitUntil } from '@litestage/fixtures';
import { parseProfile } from '@litestage/profile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, testFolder } from '../test-utils/run-cli-captured.js';

// The README's recipe, as a user runs it: one Redis, two `litestage worker` processes, and
// `litestage search --queue` on the demo reasoner.
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const dir = await testFolder('queue');
const calib = join(dir, 'calib.jsonl');

interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function litestage(...args: string[]): Running {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', resolve)),
  };
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    running.stdout += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    running.stderr += text;
  });
  return running;
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
  const exported = await run(
    'task',
    'export',
    '--task',
    'synthetic',
    '--split',
    'calib',
    '--limit',
    '8',
    '--out',
    calib,
  );
  expect(exported.code).toBe(0);
});
afterAll(() => redis?.kill());

const searchArgs = (out: string, queueName: string) => [
  'search',
  '--calib',
  calib,
  '--max-budget',
  '2',
  '--thresholds',
  '0.5',
  '--queue',
  redis.url,
  '--queue-name',
  queueName,
  '--out',
  out,
];

describe('litestage worker and litestage search --queue', () => {
  it('searches with two workers, which stop on Ctrl-C after saying what they did', async () => {
    const workers = ['a', 'b'].map((name) =>
      litestage('worker', '--queue', redis.url, '--queue-name', 'recipe', '--name', name),
    );
    for (const w of workers)
      await waitUntil(() => /waiting for jobs/.test(w.stderr), 'a worker is up');
    expect(workers[0]?.stderr).toMatch(
      /^litestage worker a: .*v2 \(sha256:\w+\) on cpu, 1 at once; waiting for jobs on redis:\/\/127\.0\.0\.1:\d+ \(queue recipe\)/,
    );
    const out = join(dir, 'queued.json');
    const search = litestage(...searchArgs(out, 'recipe'));
    expect(await search.exited).toBe(0);
    expect(search.stderr).toMatch(
      /^litestage: search \w+: evaluations go to redis:\/\/127\.0\.0\.1:\d+/m,
    );
    const answered = /, (\d+) of them by 2 queue workers/.exec(search.stdout);
    expect(answered, search.stdout).not.toBeNull();
    const profile = parseProfile(await readFile(out, 'utf8'));
    expect(profile.provenance?.evaluation).toEqual({ mode: 'queue', workers: 2 });

    for (const w of workers) w.child.kill('SIGINT');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0]);
    const stopped = workers.map((w) => Number(/stopped after (\d+) questions/.exec(w.stdout)?.[1]));
    expect(stopped.every((n) => n > 0)).toBe(true);
    expect(stopped[0]! + stopped[1]!).toBe(Number(answered?.[1]));
  });

  it('stops a search whose worker has another bundle, naming it, progress kept', async () => {
    const wrong = litestage(
      'worker',
      '--queue',
      redis.url,
      '--queue-name',
      'mismatch',
      '--name',
      'old',
      '--bundle',
      demoBundleDir('v1'),
    );
    try {
      await waitUntil(() => /waiting for jobs/.test(wrong.stderr), 'the worker is up');
      const out = join(dir, 'mismatch.json');
      const search = litestage(...searchArgs(out, 'mismatch'));
      expect(await search.exited).toBe(1);
      expect(search.stderr).toMatch(
        /litestage: evaluation job \S+ \(question "[^"]+"\) failed: worker old has another bundle: .*v1 is sha256:\w+, the search needs sha256:\w+; progress is saved in .*mismatch\.json\.checkpoint\.json: run the same command to resume\n/,
      );
      expect(wrong.stderr).toMatch(/a job of search \w+ failed: worker old has another bundle/);
    } finally {
      wrong.child.kill('SIGINT');
      await wrong.exited;
    }
  });
});
