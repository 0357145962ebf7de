import type { CheckpointStore, SearchCheckpoint } from './search-checkpoint.js';

/** Least time between two checkpoint writes while the search runs (ms). */
const SAVE_INTERVAL_MS = 5000;

/**
 * The search's state while it runs: the checkpoint being filled in, written at most every
 * few seconds (and at once when asked), and the abort check that saves before stopping.
 */
export class SearchSession {
  private lastSave = Date.now();

  constructor(
    readonly state: SearchCheckpoint,
    private readonly store: CheckpointStore | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Writes the checkpoint if the last write is old enough, or now with `force`. */
  async save(force = false): Promise<void> {
    if (!this.store) return;
    if (!force && Date.now() - this.lastSave < SAVE_INTERVAL_MS) return;
    await this.store.save(this.state);
    this.lastSave = Date.now();
  }

  /** Saves and throws an `AbortError` once the search was aborted. */
  async throwIfAborted(): Promise<void> {
    if (this.signal?.aborted) {
      await this.save(true);
      throw new DOMException('the search was aborted; run it again to resume', 'AbortError');
    }
  }
}
