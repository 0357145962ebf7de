import { describe, expect, it } from 'vitest';
import { formatError, isLiteStageError, LiteStageError } from './index.js';

class BundleMissing extends LiteStageError {
  override readonly name = 'BundleMissing';
}

describe('LiteStageError', () => {
  it('carries a hint and a cause', () => {
    const cause = new Error('ENOENT');
    const error = new BundleMissing('no bundle at ./x', { hint: 'convert one first', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('BundleMissing');
    expect(error.hint).toBe('convert one first');
    expect(error.cause).toBe(cause);
    expect(formatError(error, 'litestage: ')).toBe(
      'litestage: no bundle at ./x\nlitestage: hint: convert one first',
    );
  });

  it('formats without a hint as the message alone', () => {
    expect(formatError(new LiteStageError('bad'))).toBe('bad');
    expect(new LiteStageError('bad').hint).toBeUndefined();
  });

  it('tells user errors from bugs, also for subclasses of another copy of the package', () => {
    class LiteStageErrorCopy extends Error {
      hint = undefined;
    }
    Object.defineProperty(LiteStageErrorCopy, 'name', { value: 'LiteStageError' });
    class FromCopy extends LiteStageErrorCopy {}
    expect(isLiteStageError(new BundleMissing('x'))).toBe(true);
    expect(isLiteStageError(new FromCopy())).toBe(true);
    expect(isLiteStageError(new TypeError('x'))).toBe(false);
    expect(isLiteStageError('x')).toBe(false);
  });
});
