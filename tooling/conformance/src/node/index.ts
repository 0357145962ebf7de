export {
  CONFORMANCE_FIXTURES,
  type LoadedConformanceCase,
  loadConformanceCases,
  readConformanceIndex,
} from './conformance-fixtures.js';
export { CONFORMANCE_STAGE, type ConformanceSpec, conformanceSpecs } from './conformance-specs.js';
export { conformanceTokenizers, conformanceVocab } from './conformance-vocab.js';
export { referenceExpectation } from './reference-expectation.js';
