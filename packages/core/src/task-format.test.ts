import { expect, it } from 'vitest';
import { optionIndex, optionLabel } from './task-format.js';

it('labels options A to Z and back', () => {
  expect(optionLabel(0)).toBe('A');
  expect(optionLabel(4)).toBe('E');
  expect(optionLabel(25)).toBe('Z');
  for (let i = 0; i < 26; i++) expect(optionIndex(optionLabel(i))).toBe(i);
  expect(() => optionLabel(26)).toThrow(RangeError);
  expect(() => optionLabel(-1)).toThrow(RangeError);
  expect(() => optionLabel(1.5)).toThrow(RangeError);
  expect(optionIndex('a')).toBe(-1);
  expect(optionIndex('AB')).toBe(-1);
});
