import type { CliIo } from './cli-io.js';

export interface ProgressOptions {
  /** What is being counted, e.g. "questions" or "evaluations". */
  readonly label: string;
  readonly total: number;
  /** Milliseconds between progress lines when stderr is not a terminal (default 10 s). */
  readonly lineIntervalMs?: number;
  /** The clock (tests pass their own). */
  readonly now?: () => number;
}

export interface Progress {
  /** `done` of `total` finished; `detail` is a short running figure ("accuracy 92.0%"). */
  update(done: number, detail?: string): void;
  /** Ends the progress display (a newline after a bar; a last line otherwise). */
  finish(detail?: string): void;
}

const BAR_WIDTH = 24;

/**
 * Progress of a long command on stderr: a bar redrawn in place on a terminal, and when
 * stderr is a file or a pipe, a plain line at most every `lineIntervalMs` (and at the end),
 * so a log shows the job is alive without filling up.
 */
export function createProgress(io: CliIo, options: ProgressOptions): Progress {
  const { label, total } = options;
  const now = options.now ?? (() => performance.now());
  const interval = options.lineIntervalMs ?? 10_000;
  const terminal = io.stderrIsTTY ?? io.isTTY;
  const started = now();
  let lastLine = started;
  let lastDone = 0;
  let drawn = false;

  const describe = (done: number, detail: string | undefined, running = true) => {
    const seconds = (now() - started) / 1000;
    const eta =
      running && done > 0 && done < total
        ? `, ~${Math.ceil((seconds / done) * (total - done))} s left`
        : '';
    return `${done}/${total} ${label}${detail ? `, ${detail}` : ''} (${seconds.toFixed(0)} s${eta})`;
  };

  return {
    update(done, detail) {
      lastDone = done;
      if (terminal) {
        const filled = total > 0 ? Math.round((BAR_WIDTH * Math.min(done, total)) / total) : 0;
        const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
        io.stderr(`\r\u001b[2K[${bar}] ${describe(done, detail)}`);
        drawn = true;
        return;
      }
      if (now() - lastLine >= interval || done === total) {
        io.stderr(`${describe(done, detail)}\n`);
        lastLine = now();
      }
    },
    finish(detail) {
      if (terminal) {
        if (drawn) io.stderr('\n');
        return;
      }
      if (lastDone !== total || detail) io.stderr(`${describe(lastDone, detail, false)}\n`);
    },
  };
}
