import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { readTinyThinkerExemplars } from '../formats/few-shot.js';

/** Checks a TinyThinker `*_cot.json` file reads into well-formed three-stage examples. */
export function expectTinyThinkerExemplars(file: string): void {
  const examples = readTinyThinkerExemplars(readFileSync(file, 'utf8'), file);
  expect(examples.length).toBeGreaterThanOrEqual(7);
  for (const example of examples) {
    const [recall, analyze, summarize] = example.outputs;
    expect(recall.length).toBeGreaterThan(0);
    expect(analyze).toMatch(/^For option A, .*so it is (right|wrong)\.$/);
    expect(analyze.match(/For option [A-Z], /g)).toHaveLength(example.question.options.length);
    expect(summarize).toBe(`So the answer is option ${example.question.answer}.`);
    expect(analyze).toContain(`For option ${example.question.answer}, `);
  }
}
