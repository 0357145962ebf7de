import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "ACTIVE_TIMES",
      "CALIBRATION_PERCENT",
      "COLOURS",
      "DEFAULT_CREATURE_COUNT",
      "DEFAULT_WORLD_SEED",
      "DIETS",
      "DatasetError",
      "EngineComparisonError",
      "HABITATS",
      "LEG_COUNTS",
      "REAL_DATASETS",
      "SIZES",
      "SYNTHETIC_FORMAT_ID",
      "SYNTHETIC_OPTION_COUNT",
      "SYNTHETIC_SPLITS",
      "SYNTHETIC_WORLD_VERSION",
      "TINYTHINKER_ANSWER_PATTERN",
      "TINYTHINKER_FORMAT_ID",
      "TaskFormatError",
      "accuracyOf",
      "compareEngines",
      "comparePaired",
      "createTinyThinkerFormat",
      "createWorld",
      "generateSyntheticQuestions",
      "getTaskFormat",
      "listTaskFormats",
      "normalQuantile",
      "outcomeOfResult",
      "pairedSpeedup",
      "parseDataset",
      "parseOptionAnswer",
      "parseQuestionRecords",
      "questionOfRecord",
      "readTinyThinkerExemplars",
      "registerTaskFormat",
      "renderTinyThinkerQuestion",
      "selectQuestions",
      "splitOfQuestion",
      "splitOfSyntheticKey",
      "summarizeRun",
      "syntheticQuestionKey",
      "toQuestionRecord",
      "wilsonInterval",
      "worldFactSentences",
    ]
  `);
});

it('exports exactly the Node API from @litestage/tasks/node', async () => {
  const api = await import('./node/index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_SYNTHETIC_COUNTS",
      "OutputFileError",
      "TASK_NAMES",
      "appendLine",
      "checkWritable",
      "collectTaskQuestions",
      "loadDataset",
      "loadQuestionRecords",
      "loadTinyThinkerExemplars",
      "readLines",
      "recordsToJsonl",
      "writeFileAtomic",
    ]
  `);
});
