import type { CliIo } from './cli-io.js';

export interface InterruptSignal {
  readonly signal: AbortSignal;
  /** Stops listening for Ctrl-C (the default handler, which ends the process, is back). */
  release(): void;
}

/**
 * What interrupts a long command: the io's own signal (tests), or Ctrl-C. Listening only
 * while the command runs keeps Ctrl-C's default (end the process) everywhere else.
 */
export function interruptSignal(io: CliIo): InterruptSignal {
  if (io.interrupt) return { signal: io.interrupt, release: () => {} };
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  return { signal: controller.signal, release: () => process.removeListener('SIGINT', abort) };
}

/** Whether `error` is the abort that `signal` caused. */
export function isAbortOf(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error as Error | undefined)?.name === 'AbortError';
}
