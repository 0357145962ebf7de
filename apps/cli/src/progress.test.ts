import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';
import { captureIo } from './test-utils/capture-io.js';

describe('createProgress', () => {
  it('writes a line at most every interval when stderr is not a terminal, and at the end', () => {
    const io = captureIo();
    let t = 0;
    const progress = createProgress(io, {
      label: 'questions',
      total: 4,
      lineIntervalMs: 1000,
      now: () => t,
    });
    t = 400;
    progress.update(1, 'accuracy 100.0%');
    expect(io.err()).toBe('');
    t = 1200;
    progress.update(2, 'accuracy 50.0%');
    t = 1500;
    progress.update(3);
    t = 2000;
    progress.update(4, 'accuracy 75.0%');
    progress.finish();
    expect(io.err().split('\n').filter(Boolean)).toEqual([
      '2/4 questions, accuracy 50.0% (1 s, ~2 s left)',
      '4/4 questions, accuracy 75.0% (2 s)',
    ]);
  });

  it('says where an interrupted job stopped', () => {
    const io = captureIo();
    const progress = createProgress(io, { label: 'evaluations', total: 10, now: () => 0 });
    progress.update(3);
    progress.finish('interrupted');
    expect(io.err()).toBe('3/10 evaluations, interrupted (0 s)\n');
  });

  it('redraws one bar in place on a terminal', () => {
    const captured = captureIo();
    const tty = { ...captured, stderrIsTTY: true };
    const progress = createProgress(tty, { label: 'questions', total: 2, now: () => 0 });
    progress.update(1);
    progress.update(2);
    progress.finish();
    const err = captured.err();
    expect(err.split('\r\u001b[2K').length - 1).toBe(2);
    expect(err).toContain(`[${'#'.repeat(12)}${'.'.repeat(12)}] 1/2 questions`);
    expect(err).toContain(`[${'#'.repeat(24)}] 2/2 questions`);
    expect(err.endsWith('\n')).toBe(true);
  });
});
