import { createHash } from 'node:crypto';
import { optionLabel } from '@litestage/core';
import { describe, expect, it } from 'vitest';
import { createTinyThinkerFormat } from '../formats/tinythinker-format.js';
import { toQuestionRecord } from '../question-record.js';
import {
  generateSyntheticQuestions,
  SYNTHETIC_OPTION_COUNT,
  type SyntheticQuestion,
  type SyntheticSplit,
  splitOfSyntheticKey,
  syntheticQuestionKey,
  worldFactSentences,
} from './questions.js';
import { createWorld, HABITATS, SIZES } from './world.js';

const world = createWorld();
const keyOf = (q: SyntheticQuestion) =>
  syntheticQuestionKey({ template: q.template, spec: specOf(q), optionNames: q.options });
/** The spec is not stored on the question; recover it from the split-invariant parts. */
const specOf = (q: SyntheticQuestion) => `${q.question}`;
const jsonl = (questions: SyntheticQuestion[]) =>
  questions
    .map((q) =>
      JSON.stringify(toQuestionRecord('synthetic', q, { format: createTinyThinkerFormat() })),
    )
    .join('\n');

describe('the synthetic world', () => {
  it('has at least 150 distinct creatures with every attribute', () => {
    expect(world.creatures.length).toBeGreaterThanOrEqual(150);
    expect(new Set(world.creatures.map((c) => c.name)).size).toBe(world.creatures.length);
    for (const c of world.creatures) {
      expect(c.name).toMatch(/^[a-z]+$/);
      expect(HABITATS).toContain(c.habitat);
      expect(SIZES).toContain(c.size);
    }
    expect(world.id).toBe('synthetic-v1-seed1-n160');
  });

  it('is the same for the same seed and different for another', () => {
    expect(createWorld({ seed: 1 })).toEqual(world);
    expect(createWorld({ seed: 2 }).creatures.map((c) => c.name)).not.toEqual(
      world.creatures.map((c) => c.name),
    );
  });

  it('states its facts as plain sentences', () => {
    const facts = worldFactSentences(world);
    expect(facts).toHaveLength(world.creatures.length * 6);
    const first = world.creatures[0];
    expect(facts.slice(0, 6)).toEqual([
      `${first?.name} lives in the ${first?.habitat}.`,
      `${first?.name} eats ${first?.diet}.`,
      `${first?.name} is ${first?.colour}.`,
      `${first?.name} is active at ${first?.active}.`,
      `${first?.name} is ${first?.size}.`,
      expect.stringMatching(new RegExp(`^${first?.name} has (zero|two|four|six|eight) legs\\.$`)),
    ]);
  });

  it('refuses impossible settings', () => {
    expect(() => createWorld({ creatures: 3 })).toThrow(RangeError);
    expect(() => createWorld({ seed: -1 })).toThrow(RangeError);
  });
});

describe('synthetic questions', () => {
  const test = generateSyntheticQuestions(world, { split: 'test', count: 300, seed: 1 });

  it('are byte-for-byte reproducible, and pinned to world version 1', () => {
    const again = generateSyntheticQuestions(createWorld(), { split: 'test', count: 300, seed: 1 });
    expect(jsonl(again)).toBe(jsonl(test));
    expect(generateSyntheticQuestions(world, { split: 'test', count: 50, seed: 1 })).toEqual(
      test.slice(0, 50),
    );
    // Changing the world or the templates changes this digest: bump SYNTHETIC_WORLD_VERSION.
    expect(
      createHash('sha256')
        .update(jsonl(test.slice(0, 50)))
        .digest('hex'),
    ).toMatchInlineSnapshot(`"972e15a5078095e808561e72b64d43f8fd60b44100fbedfe224414240193f45a"`);
  });

  it('differ between seeds', () => {
    const other = generateSyntheticQuestions(world, { split: 'test', count: 300, seed: 2 });
    const ours = new Set(test.map(keyOf));
    const shared = other.filter((q) => ours.has(keyOf(q))).length;
    expect(shared).toBeLessThan(30);
    expect(
      other[0]?.question === test[0]?.question &&
        other[0]?.options.join() === test[0]?.options.join(),
    ).toBe(false);
  });

  it('keep train, calib and test disjoint for any seeds', () => {
    const bySplit = (split: SyntheticSplit, seed: number, count: number) =>
      new Set(generateSyntheticQuestions(world, { split, count, seed }).map(keyOf));
    const train = new Set([...bySplit('train', 1, 2000), ...bySplit('train', 5, 1000)]);
    const calib = new Set([...bySplit('calib', 1, 500), ...bySplit('calib', 9, 500)]);
    const testKeys = new Set([...bySplit('test', 1, 500), ...bySplit('test', 3, 500)]);
    for (const key of calib) expect(train.has(key) || testKeys.has(key)).toBe(false);
    for (const key of testKeys) expect(train.has(key)).toBe(false);
    expect(calib.size).toBeGreaterThan(500);
  });

  it('assign splits by what is asked and which options, in any order', () => {
    const key = syntheticQuestionKey({
      template: 'single',
      spec: 'habitat=desert',
      optionNames: ['b', 'a', 'c', 'd'],
    });
    expect(key).toBe(
      syntheticQuestionKey({
        template: 'single',
        spec: 'habitat=desert',
        optionNames: ['d', 'c', 'b', 'a'],
      }),
    );
    expect(['train', 'calib', 'test']).toContain(splitOfSyntheticKey(key));
  });

  it('cover every template, with well-formed gold traces', () => {
    const format = createTinyThinkerFormat();
    expect(new Set(test.map((q) => q.template))).toEqual(
      new Set(['single', 'compare', 'conjunction']),
    );
    for (const q of test) {
      expect(q.options).toHaveLength(SYNTHETIC_OPTION_COUNT);
      expect(new Set(q.options).size).toBe(SYNTHETIC_OPTION_COUNT);
      const labels = q.options.map((_, i) => optionLabel(i));
      // Recall states a fact of every option, tagged with its letter.
      expect(q.gold.recall.match(/\([A-D]\) [a-z]+ /g)?.map((m) => m.slice(1, 2))).toEqual(labels);
      q.options.forEach((name, i) => {
        expect(q.gold.recall).toContain(`(${labels[i]}) ${name} `);
        expect(q.gold.analyze).toContain(`For option ${labels[i]}, ${name} `);
      });
      // Analyze judges every option; exactly the gold one is right.
      expect(q.gold.analyze.match(/so it is right\./g)).toHaveLength(1);
      expect(q.gold.analyze.match(/so it is wrong\./g)).toHaveLength(SYNTHETIC_OPTION_COUNT - 1);
      expect(q.gold.analyze).toMatch(
        new RegExp(`For option ${q.answer}, [^.]*, so it is right\\.`),
      );
      expect(format.parseAnswer(q, [q.gold.recall, q.gold.analyze, q.gold.summarize])).toEqual({
        ok: true,
        answer: q.answer,
      });
      expect(q.gold.recall).not.toContain('\n');
      expect(q.gold.analyze).not.toContain('\n');
    }
  });

  it('have answers that follow from the world', () => {
    const byName = new Map(world.creatures.map((c) => [c.name, c]));
    for (const q of test.filter((x) => x.template === 'compare')) {
      const sizes = q.options.map((name) =>
        SIZES.indexOf(byName.get(name)?.size as (typeof SIZES)[number]),
      );
      const legs = q.options.map((name) => byName.get(name)?.legs as number);
      const values = q.question.includes('legs') ? legs : sizes;
      const best = /largest|most/.test(q.question) ? Math.max(...values) : Math.min(...values);
      expect(q.answer).toBe(optionLabel(values.indexOf(best)));
      expect(new Set(values).size).toBe(SYNTHETIC_OPTION_COUNT);
    }
    for (const q of test.filter(
      (x) => x.template === 'single' && x.question.startsWith('Which creature lives in the '),
    )) {
      const habitat = q.question.replace('Which creature lives in the ', '').replace('?', '');
      const matching = q.options.map((name, i) =>
        byName.get(name)?.habitat === habitat ? optionLabel(i) : null,
      );
      expect(matching.filter(Boolean)).toEqual([q.answer]);
    }
  });

  it('refuse a bad request', () => {
    expect(() =>
      generateSyntheticQuestions(world, { split: 'dev' as SyntheticSplit, count: 1 }),
    ).toThrow(/unknown split "dev"/);
    expect(() => generateSyntheticQuestions(world, { split: 'test', count: -1 })).toThrow(
      RangeError,
    );
  });
});
