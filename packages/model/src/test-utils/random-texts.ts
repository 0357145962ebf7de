/**
 * `count` reproducible random texts of `length` characters drawn from `alphabet` (entries may be
 * multi-character, such as emoji), from a 32-bit linear congruential generator seeded by `seed`.
 */
export function randomTexts(
  seed: number,
  count: number,
  length: number,
  alphabet: readonly string[],
): string[] {
  let state = seed >>> 0;
  const texts: string[] = [];
  for (let n = 0; n < count; n++) {
    let text = '';
    for (let i = 0; i < length; i++) {
      // Math.imul keeps the product exact in 32 bits; the high bits are the well-mixed ones.
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      text += alphabet[(state >>> 8) % alphabet.length];
    }
    texts.push(text);
  }
  return texts;
}
