import { describe, expect, it } from 'vitest';
import { deepLinkSearch, parseDeepLink } from './deep-link.js';

describe('parseDeepLink', () => {
  it('reads a question, its options, the gold answer, autorun and the device', () => {
    const link = parseDeepLink(
      '?question=Which+creature+is+active+at+noon%3F&options=bulikru|drirepluk| tisnep |futrai&answer=d&autorun=1&device=webgpu',
    );
    expect(link).toEqual({
      question: {
        id: 'link',
        question: 'Which creature is active at noon?',
        options: ['bulikru', 'drirepluk', 'tisnep', 'futrai'],
        answer: 'D',
      },
      autorun: true,
      device: 'webgpu',
      problems: [],
    });
  });

  it('is an empty link on auto without parameters', () => {
    expect(parseDeepLink('')).toEqual({
      question: null,
      autorun: false,
      device: 'auto',
      problems: [],
    });
  });

  it('refuses a question with fewer than two options, and never autoruns without one', () => {
    const link = parseDeepLink('?question=Why%3F&options=only&autorun=1');
    expect(link.question).toBeNull();
    expect(link.autorun).toBe(false);
    expect(link.problems).toEqual([
      'a question needs at least two options (options=a|b|c|d): not run',
    ]);
  });

  it('ignores an unknown device and an answer naming no option, saying so', () => {
    const link = parseDeepLink('?question=Q&options=a|b&answer=C&device=cuda');
    expect(link.device).toBe('auto');
    expect(link.question).toEqual({ id: 'link', question: 'Q', options: ['a', 'b'] });
    expect(link.problems).toEqual([
      'device "cuda" is not one of auto, webgpu, wasm: using auto',
      'answer "C" names none of the options: ignored',
    ]);
  });

  it('reads back what deepLinkSearch writes', () => {
    const question = {
      id: 'q',
      question: 'Which one eats seeds & fruit?',
      options: ['a b', 'c|d'.replace('|', ''), 'e'],
      answer: 'B',
    };
    const search = deepLinkSearch(question, { autorun: true, device: 'wasm' });
    const link = parseDeepLink(search);
    expect(link.question).toEqual({ ...question, id: 'link' });
    expect(link.autorun).toBe(true);
    expect(link.device).toBe('wasm');
    expect(deepLinkSearch(question)).not.toContain('device');
  });
});
