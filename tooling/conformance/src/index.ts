// Browser-safe (built with the browser tsconfig, which has no Node types): the case format and
// the runner. Node-only loading and generation live under
// `@litestage/conformance/node`.
export {
  CONFORMANCE_FORMAT_VERSION,
  type ConformanceCase,
  type ConformanceComparison,
  ConformanceFixtureError,
  type ConformanceIndex,
  type ConformanceRun,
  compareConformanceRun,
  parseConformanceCase,
  parseConformanceIndex,
  runConformanceCase,
} from './conformance-case.js';
