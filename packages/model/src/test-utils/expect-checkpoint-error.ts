import { expect } from 'vitest';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';

/** Awaits `promise`, expects a `CheckpointError` whose message contains every pattern, returns it. */
export async function expectCheckpointError(
  promise: Promise<unknown>,
  ...patterns: Array<string | RegExp>
): Promise<CheckpointError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
  return error as CheckpointError;
}
