import { appendFile, readFile } from 'node:fs/promises';
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
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    return parseEvaluationLines(text.split('\n'));
  }

  async append(what: string, questionId: string, score: QuestionScore): Promise<void> {
    await appendFile(this.path, `${evaluationLine(what, questionId, score)}\n`);
  }
}
