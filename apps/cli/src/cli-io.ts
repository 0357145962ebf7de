/** Where a command writes; tests pass their own to capture output. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (live stage text); false when piped. */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal (a redrawn progress bar rather than progress lines). */
  readonly stderrIsTTY?: boolean;
  /** Interrupts a long command (tests pass their own); without it, Ctrl-C (SIGINT) does. */
  readonly interrupt?: AbortSignal;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
};
