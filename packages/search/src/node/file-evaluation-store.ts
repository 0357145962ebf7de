import { appendLine, readLines } from '@litestage/tasks/node';
import type { QuestionScore } from '../candidate.js';
import {
  type EvaluationStore,
  evaluationLine,
  parseEvaluationLines,
} from '../shared-evaluations.js';

/** Keeps shared evaluations in a JSONL file, one line appended per evaluation. */
export class FileEvaluationStore implements EvaluationStore {
  constructor(readonly path: string) {}

  async load(): Promise<Map<string, Map<string, QuestionScore>>> {
    return parseEvaluationLines(await readLines(this.path));
  }

  async append(what: string, questionId: string, score: QuestionScore): Promise<void> {
    await appendLine(this.path, evaluationLine(what, questionId, score));
  }
}
