import type { Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import { describe, expect, it } from 'vitest';
import { type EvaluationSetup, jobIdOf, searchIdOf } from './evaluation-job.js';
import { parseRedisUrl } from './redis-url.js';

const setup: EvaluationSetup = {
  fingerprint: `sha256:${'a'.repeat(64)}`,
  task: 'synthetic',
  baseProfile: { schemaVersion: 1 } as unknown as Profile,
  earlyExit: { confidence: 'maxProb', window: 4 },
};
const questions: Question[] = [
  { id: 'q1', question: 'Which?', options: ['x', 'y'], answer: 'A' },
  { id: 'q2', question: 'Whose?', options: ['x', 'y'], answer: 'B' },
];
const stages = ['recall', 'analyze'];
const candidate = {
  budgets: { recall: 1, analyze: 0 },
  thresholds: { recall: null, analyze: 0.5 },
};
const skip = { recall: ['3.attn'], analyze: [] };

describe('search and job ids', () => {
  it('name a search by everything its answers depend on', () => {
    const id = searchIdOf(setup, questions);
    expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(searchIdOf({ ...setup }, [...questions])).toBe(id);
    expect(searchIdOf({ ...setup, fingerprint: `sha256:${'b'.repeat(64)}` }, questions)).not.toBe(
      id,
    );
    expect(searchIdOf({ ...setup, task: 'tinythinker' }, questions)).not.toBe(id);
    expect(searchIdOf({ ...setup, earlyExit: null }, questions)).not.toBe(id);
    expect(searchIdOf(setup, questions.slice(0, 1))).not.toBe(id);
  });

  it('give one (candidate, question) of a search one id, without the ":" BullMQ refuses', () => {
    const id = jobIdOf('s1', stages, candidate, skip, 0);
    expect(id).toMatch(/^s1\.[0-9a-f]{20}\.0$/);
    expect(id).not.toContain(':');
    expect(jobIdOf('s1', stages, candidate, { ...skip }, 0)).toBe(id);
    expect(jobIdOf('s1', stages, candidate, skip, 1)).not.toBe(id);
    expect(jobIdOf('s2', stages, candidate, skip, 0)).not.toBe(id);
    expect(jobIdOf('s1', stages, candidate, { recall: ['4.attn'], analyze: [] }, 0)).not.toBe(id);
    const otherThreshold = { ...candidate, thresholds: { recall: null, analyze: 0.6 } };
    expect(jobIdOf('s1', stages, otherThreshold, skip, 0)).not.toBe(id);
  });
});

describe('parseRedisUrl', () => {
  it('takes redis:// and rediss:// addresses, hiding a password in messages', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({
      url: 'redis://127.0.0.1:6379',
      display: 'redis://127.0.0.1:6379',
    });
    expect(parseRedisUrl('rediss://user:secret@host:6380/2').display).toBe(
      'rediss://user:***@host:6380/2',
    );
  });

  it('refuses what is not a Redis URL with a line saying what is wrong', () => {
    expect(() => parseRedisUrl('6379')).toThrow(
      /^"6379" is not a URL; expected redis:\/\/host:port\[\/db\]$/,
    );
    expect(() => parseRedisUrl('http://host:6379')).toThrow(/is not a Redis URL \(scheme http\)/);
    expect(() => parseRedisUrl('redis://host:6379/db')).toThrow(
      /the database after the \/ must be a number, not "db"/,
    );
  });
});
