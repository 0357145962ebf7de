import type { Profile } from '@litestage/profile';
import { describe, expect, it } from 'vitest';
import { createEngine, type EngineEvent } from './engine.js';
import { EngineConfigError } from './engine-config-error.js';
import { fullDepthProfile } from './full-depth-profile.js';
import type { Question, TaskFormat } from './task-format.js';
import {
  CharTokenizer,
  logitsFor,
  MANIFEST,
  ScriptedSession,
} from './test-utils/scripted-session.js';

const tokenizer = new CharTokenizer('abcdefghijklmnopqrstuvwxyz:#\n ?.ABCDT');
const V = MANIFEST.vocabSize;
const id = (c: string) => tokenizer.id(c);

/** Two one-line stages: "T: <thought>\nA: <letter>\n". */
const format: TaskFormat = {
  id: 'two-stage',
  description: 'test format',
  stages: [
    { name: 'think', prefix: 'T:', stopStrings: ['\n'], stopAtEos: true, maxNewTokens: 12 },
    { name: 'answer', prefix: 'A:', stopStrings: ['\n'], stopAtEos: true, maxNewTokens: 4 },
  ],
  stagePrompt(question, previous) {
    const done = previous.map((o, i) => `${this.stages[i]?.prefix} ${o}\n`).join('');
    return `${question.question}\n${done}${this.stages[previous.length]?.prefix}`;
  },
  renderTrace(question, outputs) {
    return `${this.stagePrompt(question, outputs.slice(0, -1))} ${outputs.at(-1)}\n`;
  },
  parseAnswer(question, outputs) {
    const letter = outputs[1]?.trim() ?? '';
    return /^[A-D]$/.test(letter) && question.options.length > 'ABCD'.indexOf(letter)
      ? { ok: true, answer: letter }
      : { ok: false, reason: 'missing', found: [] };
  },
};

const question: Question = { id: 'q1', question: 'why?', options: ['x', 'y'], answer: 'B' };

/** A session that "says" each string, char by char, stage after stage. */
function sayingSession(
  texts: string[],
  options: { delayMs?: number; p?: (step: number) => number } = {},
) {
  const script = texts.join('');
  let cursor = 0;
  return new ScriptedSession(
    (step) => {
      const char = script[cursor++] ?? '\n';
      return logitsFor(V, id(char), options.p?.(step) ?? 0.9);
    },
    {},
    options.delayMs ?? 0,
  );
}

interface ProfileOverrides {
  skip?: Record<string, string[]>;
  kvPolicy?: Profile['runtime']['kvPolicy'];
  earlyExit?: Record<string, Profile['stages'][string]['earlyExit']>;
}

function profileWith(overrides: ProfileOverrides = {}): Profile {
  const base = fullDepthProfile(
    MANIFEST,
    format,
    overrides.kvPolicy ? { kvPolicy: overrides.kvPolicy } : {},
  );
  return {
    ...base,
    stages: Object.fromEntries(
      Object.entries(base.stages).map(([name, s]) => [
        name,
        {
          ...s,
          skip: overrides.skip?.[name] ?? s.skip,
          earlyExit: overrides.earlyExit?.[name] ?? s.earlyExit,
        },
      ]),
    ),
  };
}

/** Runs the question through `session` with the test format and a profile with `overrides`. */
function runQuestion(session: ScriptedSession, overrides: ProfileOverrides = {}) {
  return createEngine({ session, tokenizer, format, profile: profileWith(overrides) }).run(
    question,
  );
}

describe('the engine', () => {
  it('runs the stages in order and parses the answer', async () => {
    const session = sayingSession([' so\n', ' B\n']);
    const engine = createEngine({ session, tokenizer, format, profile: profileWith() });
    const result = await engine.run(question);
    expect(result.stages.map((s) => [s.name, s.text, s.exitReason])).toEqual([
      ['think', 'so', 'stop-string'],
      ['answer', 'B', 'stop-string'],
    ]);
    expect(result.answer).toEqual({ ok: true, answer: 'B' });
    expect(result.correct).toBe(true);
    // reprefill: each stage starts from an empty cache with its whole prompt.
    const prefills = session.steps.filter((s) => s.request.tokens.length > 1);
    expect(prefills.map((s) => s.lengthBefore)).toEqual([0, 0]);
    expect(tokenizer.decode(prefills[1]?.request.tokens ?? [])).toBe('why?\nT: so\nA:');
  });

  it('streams stage starts, tokens and ends, then the result', async () => {
    const engine = createEngine({
      session: sayingSession([' ab\n', ' A\n']),
      tokenizer,
      format,
      profile: profileWith(),
    });
    const events: EngineEvent[] = [];
    for await (const event of engine.stream(question)) events.push(event);
    // Whitespace waits for the next token (a tokenizer may still attach it differently).
    expect(events.map((e) => (e.type === 'token' ? `token:${e.text}` : `${e.type}`))).toEqual([
      'stage-start',
      'token: a',
      'token:b',
      'stage-end',
      'stage-start',
      'token: A',
      'stage-end',
      'done',
    ]);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.result.correct).toBe(false);
  });

  it('gives each stage its own skip set, in prefill too unless the profile says otherwise', async () => {
    const skip = { think: ['0.attn'], answer: ['1.ffn', '0.ffn'] };
    const session = sayingSession([' a\n', ' B\n']);
    await runQuestion(session, { skip });
    const masks = session.steps.map((s) => JSON.stringify(s.request.skip));
    expect(masks[0]).toBe(JSON.stringify({ attn: [true, false], ffn: [false, false] }));
    expect(masks.at(-1)).toBe(JSON.stringify({ attn: [false, false], ffn: [true, true] }));

    const noPrefillSkip = profileWith({ skip });
    const lazy = sayingSession([' a\n', ' B\n']);
    await createEngine({
      session: lazy,
      tokenizer,
      format,
      profile: { ...noPrefillSkip, runtime: { ...noPrefillSkip.runtime, skipInPrefill: false } },
    }).run(question);
    expect(JSON.stringify(lazy.steps[0]?.request.skip)).toBe(
      JSON.stringify({ attn: [false, false], ffn: [false, false] }),
    );
    expect(JSON.stringify(lazy.steps[1]?.request.skip)).toBe(
      JSON.stringify({ attn: [true, false], ffn: [false, false] }),
    );
  });

  it('with the reuse policy feeds only the new part of each prompt', async () => {
    const session = sayingSession([' so\n', ' B\n']);
    await runQuestion(session, { kvPolicy: 'reuse' });
    const secondStage = session.steps.find((s, i) => i > 0 && s.request.tokens.length > 1);
    // "why?\nT:" + " so" were fed; the "\n" token was only sampled, then "A:" follows.
    expect(tokenizer.decode(secondStage?.request.tokens ?? [])).toBe('\nA:');
    expect(secondStage?.lengthBefore).toBe(1 + 'why?\nT: so'.length);
  });

  it('stops at EOS without keeping it, and at the stage token budget', async () => {
    let step = 0;
    const session = new ScriptedSession(() =>
      step++ < 2 ? logitsFor(V, id('z')) : logitsFor(V, 2),
    );
    const result = await runQuestion(session);
    expect(result.stages[0]).toMatchObject({ text: 'zz', tokens: 2, exitReason: 'eos' });
    const rambling = new ScriptedSession(() => logitsFor(V, id('q')));
    const long = await runQuestion(rambling);
    expect(long.stages.map((s) => [s.tokens, s.exitReason])).toEqual([
      [12, 'max-tokens'],
      [4, 'max-tokens'],
    ]);
  });

  it('catches a stop string split across tokens', async () => {
    const withHashes: TaskFormat = {
      ...format,
      stages: format.stages.map((s) => ({ ...s, stopStrings: ['##'] })),
    };
    const session = sayingSession([' ab#c##', ' B##']);
    const result = await createEngine({
      session,
      tokenizer,
      format: withHashes,
      profile: profileWith(),
    }).run(question);
    expect(result.stages.map((s) => [s.text, s.exitReason])).toEqual([
      ['ab#c', 'stop-string'],
      ['B', 'stop-string'],
    ]);
  });
});

describe('stage text and token events', () => {
  it('never shows the start of a stop string, and the events add up to the stage text', async () => {
    const withWord: TaskFormat = {
      ...format,
      stages: format.stages.map((s) => ({ ...s, stopStrings: ['stop'], maxNewTokens: 12 })),
    };
    const session = sayingSession([' a sto stop', ' Bstop']);
    const events: EngineEvent[] = [];
    const profile = fullDepthProfile(MANIFEST, withWord);
    const engine = createEngine({ session, tokenizer, format: withWord, profile });
    for await (const event of engine.stream(question)) events.push(event);
    const shown = events
      .filter((e) => e.type === 'token' && e.stage === 'think')
      .map((e) => (e.type === 'token' ? e.text : ''));
    expect(shown.join('')).toBe(' a sto ');
    expect(shown.some((piece) => /s$|st$/.test(piece))).toBe(false);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.result.stages.map((s) => s.text)).toEqual(['a sto', 'B']);
  });

  it('ends a stage at the model positions instead of failing, then refuses a prompt too long', async () => {
    const session = new ScriptedSession(() => logitsFor(V, id('q')), { maxPositions: 12 });
    const engine = createEngine({ session, tokenizer, format, profile: profileWith() });
    const events: EngineEvent[] = [];
    const error = await (async () => {
      for await (const event of engine.stream(question)) events.push(event);
    })().catch((e: unknown) => e);
    // "why?\nT:" is 8 tokens with BOS: 4 more can be fed, and one more generated.
    const first = events.find((e) => e.type === 'stage-end');
    expect(first?.type === 'stage-end' && first.result).toMatchObject({
      tokens: 5,
      exitReason: 'max-tokens',
    });
    expect(
      Math.max(...session.steps.map((s) => s.lengthBefore + s.request.tokens.length)),
    ).toBeLessThanOrEqual(12);
    expect((error as Error).message).toBe(
      'the answer prompt is 17 tokens; this model supports 12 positions',
    );
  });

  it('refuses a prompt longer than the model positions', async () => {
    const session = new ScriptedSession(() => logitsFor(V, id('q')), { maxPositions: 4 });
    await expect(runQuestion(session)).rejects.toThrow(
      /the think prompt is 8 tokens; this model supports 4 positions/,
    );
  });
});

describe('early exit in the engine', () => {
  it.each([
    ['maxProb', 0.5],
    ['maxLogit', Math.log(0.5)],
  ] as const)(
    'ends a stage at the first step whose %s window mean reaches the threshold',
    async (confidence, threshold) => {
      // Confidences of the stage's steps: 0.9, 0.9, 0.3, 0.3 -> means once full (window 3): 0.7, 0.5.
      const p = [0.9, 0.9, 0.3, 0.3, 0.3, 0.3];
      const session = sayingSession([' abcdefg', ' B\n'], { p: (step) => p[step] ?? 0.9 });
      const earlyExit = { think: { confidence, window: 3, threshold } };
      // For maxLogit the confidences are log(p): window means -0.47, then -0.84 <= log(0.5).
      const result = await runQuestion(session, { earlyExit });
      // Steps 0..3 generate " ", "a", "b", "c"; step 3 (the 4th) triggers the exit and is dropped.
      expect(result.stages[0]).toMatchObject({ text: 'ab', tokens: 3, exitReason: 'early-exit' });
      // The text of the exited stage is passed on to the next stage.
      const prefill = session.steps.find((s, i) => i > 0 && s.request.tokens.length > 1);
      expect(tokenizer.decode(prefill?.request.tokens ?? [])).toBe('why?\nT: ab\nA:');
    },
  );

  it('never exits before the window is full', async () => {
    const session = sayingSession([' ab\n', ' B\n'], { p: () => 0.05 });
    const earlyExit = { think: { confidence: 'maxProb' as const, window: 5, threshold: 0.5 } };
    const result = await runQuestion(session, { earlyExit });
    expect(result.stages[0]).toMatchObject({ text: 'ab', exitReason: 'stop-string' });
  });
});

describe('sampling, aborting and bad profiles', () => {
  it('reproduces a sampled run from its seed', async () => {
    const flat = () =>
      new ScriptedSession(() => new Float32Array(V).map((_, i) => (i >= 3 && i < 29 ? 0 : -30)));
    const run = async (seed: number) =>
      (
        await createEngine({
          session: flat(),
          tokenizer,
          format,
          profile: profileWith(),
          sampling: { temperature: 1, seed },
        }).run(question)
      ).stages.map((s) => s.text);
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(6));
  });

  it('aborts within a decode step with an AbortError, and runs again afterwards', async () => {
    const session = new ScriptedSession(() => logitsFor(V, id('q')), {}, 5);
    const engine = createEngine({ session, tokenizer, format, profile: profileWith() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 22);
    const error = await engine
      .run(question, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    const stepsAtAbort = session.steps.length;
    expect(stepsAtAbort).toBeLessThan(8);
    const again = await engine.run(question);
    expect(again.stages).toHaveLength(2);
  });

  it('refuses a profile for another model, stage or depth before running anything', () => {
    const session = sayingSession([]);
    const good = profileWith();
    const make = (profile: Profile) => () => createEngine({ session, tokenizer, format, profile });
    expect(
      make({ ...good, model: { ...good.model, fingerprint: `sha256:${'cd'.repeat(32)}` } }),
    ).toThrow(
      /made for model "scripted" \(sha256:cdcd.*but the bundle is "scripted" \(sha256:abab/,
    );
    expect(make({ ...good, task: { ...good.task, stages: ['think', 'conclude'] } })).toThrow(
      /names stage "conclude", which format "two-stage" does not have/,
    );
    expect(
      make({
        ...good,
        stages: {
          ...good.stages,
          think: { ...(good.stages.think as Profile['stages'][string]), skip: ['2.attn'] },
        },
      }),
    ).toThrow(/beyond the model's 2 layers/);
    expect(make({ ...good, model: { ...good.model, numLayers: 4 } })).toThrow(
      /4 layers, but the bundle has 2/,
    );
    expect(make({ ...good, runtime: { kvPolicy: 'propagate', skipInPrefill: true } })).toThrow(
      /not built for it/,
    );
    expect(() => make(good)()).not.toThrow();
    expect(session.steps).toHaveLength(0);
    expect(() => createEngine({ session, tokenizer, format, profile: good })).not.toThrow(
      EngineConfigError,
    );
  });

  it('makes a full-depth profile for a bundle and format', () => {
    const profile = fullDepthProfile(MANIFEST, format, { maxNewTokens: { think: 3 } });
    expect(profile.model.fingerprint).toBe(MANIFEST.fingerprint);
    expect(profile.stages).toEqual({
      think: { skip: [], earlyExit: null, maxNewTokens: 3 },
      answer: { skip: [], earlyExit: null, maxNewTokens: 4 },
    });
    expect(profile.runtime).toEqual({ kvPolicy: 'reprefill', skipInPrefill: true });
  });
});
