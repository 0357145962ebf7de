import { describe, expect, it } from 'vitest';
import { parseOptionAnswer } from './answer.js';

describe('parseOptionAnswer', () => {
  it('reads a well-formed answer', () => {
    expect(parseOptionAnswer('So the answer is option C.', 5)).toEqual({ ok: true, answer: 'C' });
    expect(parseOptionAnswer('The answer is option A.', 4)).toEqual({ ok: true, answer: 'A' });
    expect(parseOptionAnswer('blah. so the answer is option B. done', 2)).toEqual({
      ok: true,
      answer: 'B',
    });
  });

  it('reports a missing answer', () => {
    expect(parseOptionAnswer('I am not sure.', 5)).toEqual({
      ok: false,
      reason: 'missing',
      found: [],
    });
    expect(parseOptionAnswer('', 5)).toEqual({ ok: false, reason: 'missing', found: [] });
  });

  it.each([
    'So the answer is option c.',
    'So the answer is option (C).',
    'So the answer is option C',
    'So the answer is C.',
    'So the answer is option CD.',
  ])('treats a malformed sentence as missing: %j', (text) => {
    expect(parseOptionAnswer(text, 5)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('accepts a repeated answer but refuses different ones', () => {
    expect(parseOptionAnswer('So the answer is option B. Yes, the answer is option B.', 4)).toEqual(
      {
        ok: true,
        answer: 'B',
      },
    );
    expect(parseOptionAnswer('So the answer is option B. No, the answer is option D.', 4)).toEqual({
      ok: false,
      reason: 'ambiguous',
      found: ['B', 'D'],
    });
  });

  it('refuses an option the question does not have', () => {
    expect(parseOptionAnswer('So the answer is option E.', 4)).toEqual({
      ok: false,
      reason: 'out-of-range',
      found: ['E'],
    });
  });

  it('takes another pattern', () => {
    expect(parseOptionAnswer('Answer: (B)', 3, /Answer: \(([A-Z])\)/)).toEqual({
      ok: true,
      answer: 'B',
    });
  });
});
