import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toEqual([
    'BenchRunError',
    'FileOutcomeStore',
    'MemoryOutcomeStore',
    'accuracySpeedupOption',
    'accuracySpeedupSvg',
    'benchReportSchema',
    'buildReport',
    'renderSvg',
    'reportMarkdown',
    'runMethods',
    'summarizeProfile',
  ]);
});
