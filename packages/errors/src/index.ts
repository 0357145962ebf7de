export {
  formatError,
  isLiteStageError,
  LiteStageError,
  type LiteStageErrorOptions,
} from './litestage-error.js';
