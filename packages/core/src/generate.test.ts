import {
  EosTokenCriteria,
  MaxNewTokensCriteria,
  StoppingCriteriaList,
  TokenSampler,
} from '@litestage/sampler';
import { describe, expect, it } from 'vitest';
import { generate } from './generate.js';
import {
  CharTokenizer,
  logitsFor,
  MANIFEST,
  ScriptedSession,
} from './test-utils/scripted-session.js';
import { TextStreamer } from './text-streamer.js';

const tokenizer = new CharTokenizer('abcdefghijklmnopqrstuvwxyz ');

async function run(session: ScriptedSession, maxNewTokens: number, inputIds: number[]) {
  const pieces: string[] = [];
  const yielded: number[] = [];
  const steps = generate(session, session.createSequence(), {
    inputIds,
    sampler: new TokenSampler(),
    stoppingCriteria: new StoppingCriteriaList([
      new EosTokenCriteria([2]),
      new MaxNewTokensCriteria(maxNewTokens),
    ]),
    streamer: new TextStreamer(tokenizer, {
      promptIds: inputIds,
      callbackFunction: (text) => pieces.push(text),
    }),
  });
  for (;;) {
    const step = await steps.next();
    if (step.done) return { result: step.value, pieces, yielded };
    yielded.push(step.value);
  }
}

describe('generate', () => {
  it('prefills the prompt, feeds every kept token but the last, and streams after the prompt', async () => {
    const script = 'hi yo';
    const session = new ScriptedSession((step) =>
      logitsFor(
        MANIFEST.vocabSize,
        step < script.length ? tokenizer.id(script[step] as string) : 2,
      ),
    );
    const prompt = tokenizer.encode('say', { addBos: true });
    const { result, pieces, yielded } = await run(session, 10, prompt);
    expect(result).toMatchObject({ text: 'hi yo', stopReason: 'eos' });
    expect(tokenizer.decode([...result.ids])).toBe('hi yo');
    expect(pieces.join('')).toBe('hi yo');
    expect(yielded).toHaveLength(6);
    expect(result.fedIds).toEqual([...prompt, ...result.ids]);
    expect(session.steps.map((s) => s.request.tokens.length)).toEqual([4, 1, 1, 1, 1, 1]);
  });

  it('ends when the model has no position left, keeping the last token', async () => {
    const session = new ScriptedSession(() => logitsFor(MANIFEST.vocabSize, tokenizer.id('a')), {
      maxPositions: 6,
    });
    const { result } = await run(session, 100, tokenizer.encode('abcd', { addBos: true }));
    // 5 prompt ids take 5 positions; one more is fed, and the token after it is never fed.
    expect(result).toMatchObject({ text: 'aa', stopReason: 'max-tokens' });
    expect(Math.max(...session.steps.map((s) => s.lengthBefore + s.request.tokens.length))).toBe(6);
  });
});
