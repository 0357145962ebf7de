export {
  type AnswerParse,
  optionIndex,
  optionLabel,
  type Question,
  type StageSpec,
  type TaskFormat,
} from './task-format.js';
export type { Tokenizer, TokenStreamDecoder } from './tokenizer.js';
