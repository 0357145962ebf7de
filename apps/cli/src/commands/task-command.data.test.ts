import { dataPath } from '@litestage/fixtures';
import { describe, it } from 'vitest';
import { expectDatasetExport } from '../test-utils/expect-dataset-export.js';
import { testFolder } from '../test-utils/run-cli-captured.js';

// OBQA (license unknown) is read from the data folder (`pnpm test:data`), never committed.
const dir = await testFolder('task');

describe('litestage task export', () => {
  it('writes a real dataset subset to a file', async () => {
    await expectDatasetExport(dir, 'obqa', dataPath('tinythinker/obqa/original/test.jsonl'), 4);
  });
});
