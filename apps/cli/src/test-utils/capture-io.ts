import type { CliIo } from '../cli-io.js';

export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

export interface CaptureOptions {
  /** Report stderr as a terminal (progress redrawn on every update). */
  readonly stderrIsTTY?: boolean;
  /** Interrupts the command as Ctrl-C would. */
  readonly interrupt?: AbortSignal;
  /** Called with every piece of stderr (e.g. to interrupt after the first progress update). */
  readonly onStderr?: (text: string) => void;
}

export function captureIo(options: CaptureOptions = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
      options.onStderr?.(text);
    },
    isTTY: false,
    ...(options.stderrIsTTY === undefined ? {} : { stderrIsTTY: options.stderrIsTTY }),
    ...(options.interrupt === undefined ? {} : { interrupt: options.interrupt }),
    out: () => out,
    err: () => err,
  };
}

/**
 * Options that interrupt the command, as Ctrl-C would, once its progress first shows
 * `progress` (e.g. "1/3 questions"); stderr is a terminal so every update is drawn.
 */
export function interruptAt(progress: string): CaptureOptions {
  const controller = new AbortController();
  return {
    stderrIsTTY: true,
    interrupt: controller.signal,
    onStderr: (text) => {
      if (text.includes(` ${progress}`)) controller.abort();
    },
  };
}
