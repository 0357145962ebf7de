import { dataPath } from '@litestage/fixtures';
import { describe, it } from 'vitest';
import { expectTinyThinkerExemplars } from '../test-utils/expect-tinythinker-exemplars.js';

// OBQA's license is unknown, so its exemplars are read from the data folder, never committed.
describe('few-shot preambles from TinyThinker exemplars', () => {
  it.each(['obqa'])('reads the real %s exemplars', (name) => {
    expectTinyThinkerExemplars(dataPath(`tinythinker/${name}/prompt/${name}_cot.json`));
  });
});
