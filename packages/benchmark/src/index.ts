export {
  type AnsweredOutcome,
  type BenchMethod,
  BenchRunError,
  type FailedOutcome,
  FileOutcomeStore,
  MemoryOutcomeStore,
  type MethodOutcome,
  type MethodRuns,
  type OutcomeStore,
  type RunMethodsOptions,
  runMethods,
} from './method-runs.js';
export { type ChartOption, renderSvg } from './render-svg.js';
export {
  type BenchReport,
  type BuildReportOptions,
  benchReportSchema,
  buildReport,
  type MethodReport,
  type ProfileSummary,
  type ReportedMethod,
  summarizeProfile,
} from './report.js';
export { accuracySpeedupOption, accuracySpeedupSvg } from './report-chart.js';
export { reportMarkdown } from './report-markdown.js';
