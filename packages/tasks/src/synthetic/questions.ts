import { optionLabel, type Question } from '@litestage/core';
import { hashString, SeededPicker } from '../random.js';
import type { Creature, World } from './world.js';
import { LEG_COUNTS, SIZES } from './world.js';

export const SYNTHETIC_SPLITS = ['train', 'calib', 'test'] as const;
export type SyntheticSplit = (typeof SYNTHETIC_SPLITS)[number];

export const SYNTHETIC_OPTION_COUNT = 4;

export type QuestionTemplate = 'single' | 'compare' | 'conjunction';

export interface SyntheticQuestion extends Question {
  readonly answer: string;
  readonly gold: { readonly recall: string; readonly analyze: string; readonly summarize: string };
  readonly template: QuestionTemplate;
  readonly world: string;
}

export interface GenerateOptions {
  readonly split: SyntheticSplit;
  readonly count: number;
  /** Which questions of the split are drawn, and in what order; the world stays the same. */
  readonly seed?: number;
}

type Attribute = 'habitat' | 'diet' | 'colour' | 'active' | 'legs';
const NUMBER_WORDS: Record<number, string> = {
  0: 'zero',
  2: 'two',
  4: 'four',
  6: 'six',
  8: 'eight',
};

/** What "<name> ..." says of an attribute value, e.g. "lives in the desert". */
const PHRASE: Record<Attribute, (value: string | number) => string> = {
  habitat: (v) => `lives in the ${v}`,
  diet: (v) => `eats ${v}`,
  colour: (v) => `is ${v}`,
  active: (v) => `is active at ${v}`,
  legs: (v) => `has ${NUMBER_WORDS[v as number]} legs`,
};
/** How an analysis rejects a value the question asked for, e.g. "not the desert". */
const NEGATION: Record<Attribute, (value: string | number) => string> = {
  habitat: (v) => `not the ${v}`,
  diet: (v) => `not ${v}`,
  colour: (v) => `not ${v}`,
  active: (v) => `not at ${v}`,
  legs: (v) => `not ${NUMBER_WORDS[v as number]}`,
};
const SINGLE_ATTRIBUTES: readonly Attribute[] = ['habitat', 'diet', 'colour', 'active', 'legs'];
const CONJUNCTION_ATTRIBUTES: readonly Attribute[] = ['habitat', 'diet', 'colour', 'active'];

interface Comparison {
  readonly attribute: 'size' | 'legs';
  readonly direction: 'max' | 'min';
  readonly question: string;
  /** "the largest", "the most", ... */
  readonly superlative: string;
}
const COMPARISONS: readonly Comparison[] = [
  {
    attribute: 'size',
    direction: 'max',
    question: 'Which creature is the largest?',
    superlative: 'the largest',
  },
  {
    attribute: 'size',
    direction: 'min',
    question: 'Which creature is the smallest?',
    superlative: 'the smallest',
  },
  {
    attribute: 'legs',
    direction: 'max',
    question: 'Which creature has the most legs?',
    superlative: 'the most',
  },
  {
    attribute: 'legs',
    direction: 'min',
    question: 'Which creature has the fewest legs?',
    superlative: 'the fewest',
  },
];

/** A drawn question before it is assigned to a split. */
interface Draft {
  readonly template: QuestionTemplate;
  /** What is asked, e.g. `habitat=desert`: with the option names, the question's identity. */
  readonly spec: string;
  readonly question: string;
  readonly options: readonly Creature[];
  readonly answerIndex: number;
  readonly recall: readonly string[];
  readonly analyze: readonly string[];
}

/**
 * Which split a question belongs to, from a hash of what it asks and of its options (in
 * any order): about 80% train, 10% calib, 10% test. Splits are therefore disjoint for
 * every seed, while all of them share the world.
 */
export function splitOfSyntheticKey(key: string): SyntheticSplit {
  const bucket = hashString(`split|${key}`) % 100;
  return bucket < 80 ? 'train' : bucket < 90 ? 'calib' : 'test';
}

export function syntheticQuestionKey(
  question: Pick<Draft, 'template' | 'spec'> & { optionNames: readonly string[] },
): string {
  return `${question.template}|${question.spec}|${[...question.optionNames].sort().join(',')}`;
}

/**
 * Draws `count` distinct questions of one split, with gold traces for the three stages.
 * The same world, split, count and seed always give the same questions in the same order;
 * a smaller count gives a prefix of a larger one.
 */
export function generateSyntheticQuestions(
  world: World,
  options: GenerateOptions,
): SyntheticQuestion[] {
  const { split, count, seed = 1 } = options;
  if (!SYNTHETIC_SPLITS.includes(split)) {
    throw new RangeError(
      `unknown split "${split}"; synthetic splits are ${SYNTHETIC_SPLITS.join(', ')}`,
    );
  }
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(seed) || seed < 0)
    throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  const random = new SeededPicker(`${world.id}|${split}|${seed}`);
  const seen = new Set<string>();
  const out: SyntheticQuestion[] = [];
  const maxAttempts = count * 100 + 1000;
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt >= maxAttempts) {
      throw new Error(
        `could only draw ${out.length} distinct ${split} questions of ${count} from ${world.id}`,
      );
    }
    const draft = drawQuestion(world, random);
    if (!draft) continue;
    const key = syntheticQuestionKey({ ...draft, optionNames: draft.options.map((c) => c.name) });
    if (splitOfSyntheticKey(key) !== split || seen.has(key)) continue;
    seen.add(key);
    const answer = optionLabel(draft.answerIndex);
    out.push({
      id: `${world.id}/${split}/s${seed}/${String(out.length).padStart(6, '0')}`,
      question: draft.question,
      options: draft.options.map((c) => c.name),
      answer,
      gold: {
        recall: draft.recall.join(' '),
        analyze: draft.analyze.join(' '),
        summarize: `So the answer is option ${answer}.`,
      },
      template: draft.template,
      world: world.id,
    });
  }
  return out;
}

function drawQuestion(world: World, random: SeededPicker): Draft | undefined {
  const roll = random.next();
  if (roll < 0.4) return drawSingle(world, random);
  if (roll < 0.7) return drawComparison(world, random);
  return drawConjunction(world, random);
}

function drawSingle(world: World, random: SeededPicker): Draft | undefined {
  const attribute = random.pick(SINGLE_ATTRIBUTES);
  const target = random.pick(world.creatures);
  const asked = target[attribute];
  const others = world.creatures.filter((c) => c[attribute] !== asked);
  if (others.length < SYNTHETIC_OPTION_COUNT - 1) return undefined;
  const options = random.shuffle([target, ...random.sample(others, SYNTHETIC_OPTION_COUNT - 1)]);
  const answerIndex = options.indexOf(target);
  return {
    template: 'single',
    spec: `${attribute}=${asked}`,
    question: `Which creature ${PHRASE[attribute](asked)}?`,
    options,
    answerIndex,
    recall: options.map(
      (c, i) => `(${optionLabel(i)}) ${c.name} ${PHRASE[attribute](c[attribute])}.`,
    ),
    analyze: options.map((c, i) =>
      i === answerIndex
        ? `For option ${optionLabel(i)}, ${c.name} ${PHRASE[attribute](asked)}, so it is right.`
        : `For option ${optionLabel(i)}, ${c.name} ${PHRASE[attribute](c[attribute])}, ${NEGATION[attribute](asked)}, so it is wrong.`,
    ),
  };
}

function drawComparison(world: World, random: SeededPicker): Draft | undefined {
  const comparison = random.pick(COMPARISONS);
  const { attribute } = comparison;
  const scale: readonly (string | number)[] = attribute === 'size' ? SIZES : LEG_COUNTS;
  const values = random.sample(scale, SYNTHETIC_OPTION_COUNT);
  const options: Creature[] = [];
  for (const value of values) {
    const holders = world.creatures.filter((c) => c[attribute] === value);
    if (holders.length === 0) return undefined;
    options.push(random.pick(holders));
  }
  const rank = (c: Creature) => scale.indexOf(c[attribute]);
  const ranks = options.map(rank);
  const best = comparison.direction === 'max' ? Math.max(...ranks) : Math.min(...ranks);
  const answerIndex = ranks.indexOf(best);
  const describe = (c: Creature) =>
    attribute === 'size' ? `is ${c.size}` : `has ${NUMBER_WORDS[c.legs]} legs`;
  return {
    template: 'compare',
    spec: `${attribute}=${comparison.direction}`,
    question: comparison.question,
    options,
    answerIndex,
    recall: options.map((c, i) => `(${optionLabel(i)}) ${c.name} ${describe(c)}.`),
    analyze: options.map((c, i) =>
      i === answerIndex
        ? `For option ${optionLabel(i)}, ${c.name} ${describe(c)}, ${comparison.superlative}, so it is right.`
        : `For option ${optionLabel(i)}, ${c.name} ${describe(c)}, not ${comparison.superlative}, so it is wrong.`,
    ),
  };
}

function drawConjunction(world: World, random: SeededPicker): Draft | undefined {
  const [first, second] = random.sample(CONJUNCTION_ATTRIBUTES, 2) as [Attribute, Attribute];
  const target = random.pick(world.creatures);
  const want1 = target[first];
  const want2 = target[second];
  const matches = (c: Creature) => c[first] === want1 && c[second] === want2;
  const wrong = world.creatures.filter((c) => !matches(c));
  // Hard distractors first: each has one of the two asked attributes.
  const onlyFirst = wrong.filter((c) => c[first] === want1);
  const onlySecond = wrong.filter((c) => c[second] === want2);
  const distractors: Creature[] = [];
  if (onlyFirst.length > 0) distractors.push(random.pick(onlyFirst));
  if (onlySecond.length > 0) distractors.push(random.pick(onlySecond));
  const rest = wrong.filter((c) => !distractors.includes(c));
  if (rest.length < SYNTHETIC_OPTION_COUNT - 1 - distractors.length) return undefined;
  distractors.push(...random.sample(rest, SYNTHETIC_OPTION_COUNT - 1 - distractors.length));
  const options = random.shuffle([target, ...distractors]);
  const answerIndex = options.indexOf(target);
  const both = (c: Creature) => `${PHRASE[first](c[first])} and ${PHRASE[second](c[second])}`;
  return {
    template: 'conjunction',
    spec: `${first}=${want1}&${second}=${want2}`,
    question: `Which creature ${PHRASE[first](want1)} and ${PHRASE[second](want2)}?`,
    options,
    answerIndex,
    recall: options.map((c, i) => `(${optionLabel(i)}) ${c.name} ${both(c)}.`),
    analyze: options.map((c, i) => {
      const label = optionLabel(i);
      if (i === answerIndex) return `For option ${label}, ${c.name} ${both(c)}, so it is right.`;
      const failing = c[first] !== want1 ? first : second;
      const wanted = failing === first ? want1 : want2;
      return `For option ${label}, ${c.name} ${PHRASE[failing](c[failing])}, ${NEGATION[failing](wanted)}, so it is wrong.`;
    }),
  };
}

/** Plain fact sentences about every creature ("blorp lives in the desert."), for warm-up training text. */
export function worldFactSentences(world: World): string[] {
  return world.creatures.flatMap((c) => [
    `${c.name} ${PHRASE.habitat(c.habitat)}.`,
    `${c.name} ${PHRASE.diet(c.diet)}.`,
    `${c.name} ${PHRASE.colour(c.colour)}.`,
    `${c.name} ${PHRASE.active(c.active)}.`,
    `${c.name} is ${c.size}.`,
    `${c.name} ${PHRASE.legs(c.legs)}.`,
  ]);
}
