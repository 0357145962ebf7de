import { SeededRandom } from '@litestage/sampler';

/**
 * Small deterministic helpers: the same seed gives the same numbers on every platform,
 * which is what makes exports byte-for-byte reproducible.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of a string. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Seeded picks, shuffles and samples (the sampler's mulberry32 over a number or a hashed
 * string seed): what the synthetic world and question selection draw. The sequence is part
 * of the synthetic task's definition and must never change (the synthetic tests pin it).
 */
export class SeededPicker {
  // The sampler's mulberry32: one implementation of the generator, two uses of it.
  private readonly random: SeededRandom;

  constructor(seed: number | string) {
    this.random = new SeededRandom(typeof seed === 'number' ? seed >>> 0 : hashString(seed));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.random.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    if (count > items.length) {
      throw new RangeError(`cannot sample ${count} of ${items.length} items`);
    }
    return this.shuffle(items).slice(0, count);
  }
}
