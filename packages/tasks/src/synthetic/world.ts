import { SeededPicker } from '../random.js';

/**
 * The synthetic world: fictional creatures whose attributes a model must memorise. The
 * world depends only on its version and seed, so the same pair always yields the same
 * creatures. Bump `SYNTHETIC_WORLD_VERSION` whenever anything here or in the question
 * templates changes what is generated.
 */
export const SYNTHETIC_WORLD_VERSION = 1;
export const DEFAULT_WORLD_SEED = 1;
export const DEFAULT_CREATURE_COUNT = 160;

export const HABITATS = [
  'desert',
  'forest',
  'swamp',
  'mountain',
  'ocean',
  'cave',
  'tundra',
  'river',
] as const;
export const DIETS = ['plants', 'insects', 'fish', 'fruit', 'seeds', 'meat'] as const;
export const COLOURS = [
  'red',
  'blue',
  'green',
  'yellow',
  'black',
  'white',
  'purple',
  'orange',
] as const;
export const ACTIVE_TIMES = ['dawn', 'noon', 'dusk', 'night'] as const;
/** Ordered from smallest to largest: size questions compare them. */
export const SIZES = ['tiny', 'small', 'medium', 'large', 'huge'] as const;
export const LEG_COUNTS = [0, 2, 4, 6, 8] as const;

export interface Creature {
  readonly name: string;
  readonly habitat: (typeof HABITATS)[number];
  readonly diet: (typeof DIETS)[number];
  readonly colour: (typeof COLOURS)[number];
  readonly active: (typeof ACTIVE_TIMES)[number];
  readonly size: (typeof SIZES)[number];
  readonly legs: (typeof LEG_COUNTS)[number];
}

export interface World {
  /** e.g. `synthetic-v1-seed1-n160`: names the world in question ids and manifests. */
  readonly id: string;
  readonly version: number;
  readonly seed: number;
  readonly creatures: readonly Creature[];
}

export interface WorldOptions {
  readonly seed?: number;
  readonly creatures?: number;
}

const ONSETS = [
  'b',
  'd',
  'f',
  'g',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'z',
  'br',
  'gl',
  'kr',
  'pl',
  'sn',
  'tr',
  'fl',
  'gr',
  'sk',
  'dr',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'oo', 'ai'];
const CODAS = ['', 'n', 'r', 'l', 'm', 'k', 'x', 'p', 'sh'];

/** Words used elsewhere in the task's text: a creature must never be called one of them. */
const RESERVED = new Set<string>([
  ...HABITATS,
  ...DIETS,
  ...COLOURS,
  ...ACTIVE_TIMES,
  ...SIZES,
  'zero',
  'two',
  'four',
  'six',
  'eight',
  'legs',
  'option',
  'answer',
  'right',
  'wrong',
  'lives',
  'eats',
  'active',
  'largest',
  'smallest',
  'most',
  'fewest',
  'which',
  'creature',
  'so',
  'is',
  'it',
  'the',
  'and',
  'not',
  'has',
  'for',
  'at',
  'in',
  'recall',
  'analyze',
  'summarize',
]);

export function createWorld(options: WorldOptions = {}): World {
  const seed = options.seed ?? DEFAULT_WORLD_SEED;
  const count = options.creatures ?? DEFAULT_CREATURE_COUNT;
  if (!Number.isInteger(seed) || seed < 0)
    throw new RangeError(`world seed must be a non-negative integer, got ${seed}`);
  if (!Number.isInteger(count) || count < 8 || count > 2000) {
    throw new RangeError(`a world has 8 to 2000 creatures, got ${count}`);
  }
  const random = new SeededPicker(`litestage-synthetic-world-v${SYNTHETIC_WORLD_VERSION}-${seed}`);
  const names = new Set<string>();
  while (names.size < count) {
    const syllables = random.next() < 0.75 ? 2 : 3;
    let name = '';
    for (let s = 0; s < syllables; s++) {
      name +=
        random.pick(ONSETS) + random.pick(VOWELS) + (s === syllables - 1 ? random.pick(CODAS) : '');
    }
    if (!RESERVED.has(name)) names.add(name);
  }
  const creatures = [...names].map(
    (name): Creature => ({
      name,
      habitat: random.pick(HABITATS),
      diet: random.pick(DIETS),
      colour: random.pick(COLOURS),
      active: random.pick(ACTIVE_TIMES),
      size: random.pick(SIZES),
      legs: random.pick(LEG_COUNTS),
    }),
  );
  return {
    id: `synthetic-v${SYNTHETIC_WORLD_VERSION}-seed${seed}-n${count}`,
    version: SYNTHETIC_WORLD_VERSION,
    seed,
    creatures,
  };
}
