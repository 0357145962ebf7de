import type { TaskFormat } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import {
  createTinyThinkerFormat,
  TINYTHINKER_FORMAT_ID,
  type TinyThinkerOptions,
} from './tinythinker-format.js';

/** The format name of the synthetic world's task (TinyThinker's stages under its own name). */
export const SYNTHETIC_FORMAT_ID = 'synthetic';

/** Builds a format; `options` are the format's own (TinyThinker's few-shot preamble, say). */
export type TaskFormatFactory = (options?: Record<string, unknown>) => TaskFormat;

/** An unknown format name, or a name that cannot be registered. */
export class TaskFormatError extends LiteStageError {
  override readonly name = 'TaskFormatError';
}

const factories = new Map<string, TaskFormatFactory>();

/**
 * Makes a format available by name to `getTaskFormat` (and so to `--task-format` in the
 * CLI). Registering a taken name throws unless `replace` is set.
 */
export function registerTaskFormat(
  name: string,
  factory: TaskFormatFactory,
  { replace = false }: { replace?: boolean } = {},
): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new TaskFormatError(
      `format name must be lowercase letters, digits and "-": ${JSON.stringify(name)}`,
    );
  }
  if (factories.has(name) && !replace) {
    throw new TaskFormatError(`a task format named "${name}" is already registered`);
  }
  factories.set(name, factory);
}

export function getTaskFormat(name: string, options?: Record<string, unknown>): TaskFormat {
  const factory = factories.get(name);
  if (!factory) {
    throw new TaskFormatError(
      `unknown task format "${name}"; registered formats: ${listTaskFormats().join(', ')}`,
    );
  }
  return factory(options);
}

export function listTaskFormats(): string[] {
  return [...factories.keys()].sort();
}

registerTaskFormat(TINYTHINKER_FORMAT_ID, (options) =>
  createTinyThinkerFormat(options as TinyThinkerOptions | undefined),
);

/**
 * The synthetic world's questions are written in TinyThinker's format; this name lets a run
 * say `--task synthetic` and records that task in the profiles it makes. Same stages, same
 * prompts, same answer parsing as `tinythinker`.
 */
registerTaskFormat(SYNTHETIC_FORMAT_ID, (options) => ({
  ...createTinyThinkerFormat(options as TinyThinkerOptions | undefined),
  id: SYNTHETIC_FORMAT_ID,
  description: "the synthetic world's questions, in TinyThinker's Recall / Analyze / Summarize",
}));
