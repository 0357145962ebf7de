import { LiteStageError } from '@litestage/errors';
import type { QuestionScore } from './candidate.js';
import type { LatencyModel } from './latency.js';
import type { Ranking } from './ranking.js';

/**
 * Everything a search has learnt so far. Evaluations are deterministic and cached by
 * (candidate, question), so replaying the search over a restored cache reaches the same
 * decisions: that is how an interrupted search resumes and ends with the identical profile.
 */
export interface SearchCheckpoint {
  readonly format: 'litestage-search-checkpoint';
  readonly version: 1;
  /** What the search is about; a checkpoint is only reused for the same inputs. */
  readonly inputs: SearchInputs;
  readonly createdAt: string;
  questionEvaluations: number;
  ranking: Ranking | null;
  /** The latency model measured when the search started, reused on resume (costs are noisy). */
  latencyModel?: LatencyModel | null;
  /** candidate key -> question id -> score. */
  readonly scores: Record<string, Record<string, QuestionScore>>;
}

export interface SearchInputs {
  readonly fingerprint: string;
  readonly stages: readonly string[];
  readonly questionIds: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
}

/** Where checkpoints live (a file in Node; memory in tests). */
export interface CheckpointStore {
  /** Where it is kept (a file's path), named in errors. */
  readonly location?: string;
  /** The saved checkpoint, or null if there is none. Throws if it is corrupt. */
  load(): Promise<SearchCheckpoint | null>;
  save(checkpoint: SearchCheckpoint): Promise<void>;
}

export class SearchCheckpointError extends LiteStageError {
  override readonly name = 'SearchCheckpointError';
}

/** Checks a parsed checkpoint's shape; `where` names it in errors. */
export function validateCheckpoint(value: unknown, where: string): SearchCheckpoint {
  const fail = (why: string): never => {
    throw new SearchCheckpointError(
      `${where} is not a usable search checkpoint (${why}); delete it to start the search over`,
    );
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const c = value as Record<string, unknown>;
  if (c.format !== 'litestage-search-checkpoint') fail('unknown format');
  if (c.version !== 1) fail(`version ${String(c.version)}`);
  if (typeof c.createdAt !== 'string') fail('no creation time');
  if (typeof c.questionEvaluations !== 'number') fail('no evaluation count');
  const inputs = c.inputs as Record<string, unknown> | undefined;
  if (
    !inputs ||
    typeof inputs.fingerprint !== 'string' ||
    !Array.isArray(inputs.stages) ||
    !Array.isArray(inputs.questionIds)
  ) {
    fail('no inputs');
  }
  if (typeof c.scores !== 'object' || c.scores === null) fail('no scores');
  for (const [key, byQuestion] of Object.entries(c.scores as Record<string, unknown>)) {
    if (typeof byQuestion !== 'object' || byQuestion === null) fail(`scores of ${key}`);
    for (const score of Object.values(byQuestion as Record<string, unknown>)) {
      const s = score as Record<string, unknown>;
      if (
        typeof s?.correct !== 'boolean' ||
        typeof s.ms !== 'number' ||
        typeof s.stages !== 'object'
      ) {
        fail(`a score of ${key}`);
      }
    }
  }
  return value as SearchCheckpoint;
}

/** Refuses a checkpoint made for other inputs, saying what differs. */
export function checkSameInputs(saved: SearchInputs, current: SearchInputs, where: string): void {
  const differences: string[] = [];
  if (saved.fingerprint !== current.fingerprint) differences.push('the model');
  if (saved.stages.join() !== current.stages.join()) differences.push('the stages');
  if (saved.questionIds.join('\n') !== current.questionIds.join('\n'))
    differences.push('the calibration questions');
  if (JSON.stringify(saved.options) !== JSON.stringify(current.options))
    differences.push('the search options');
  if (differences.length > 0) {
    throw new SearchCheckpointError(
      `${where} belongs to another search (${differences.join(', ')} differ); remove it or choose another checkpoint file`,
    );
  }
}

/** Keeps the checkpoint in memory (tests, or a caller that persists it itself). */
export class MemoryCheckpointStore implements CheckpointStore {
  saved: string | null = null;
  saves = 0;

  async load(): Promise<SearchCheckpoint | null> {
    return this.saved === null
      ? null
      : validateCheckpoint(JSON.parse(this.saved), 'memory checkpoint');
  }

  async save(checkpoint: SearchCheckpoint): Promise<void> {
    this.saved = JSON.stringify(checkpoint);
    this.saves++;
  }
}
