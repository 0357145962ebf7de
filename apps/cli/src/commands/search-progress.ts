import type { SearchPhase, SearchProgress } from '@litestage/search';
import type { CliIo } from '../cli-io.js';
import { createProgress, type Progress } from '../progress.js';

/** What each phase counts, as its progress line says it ("3/3 questions ranked"). */
const PHASE_LABELS: Readonly<Record<SearchPhase, string>> = {
  ranking: 'questions ranked',
  'latency-model': 'latency model measured',
  baseline: 'baseline evaluated',
  budgets: 'budgets evaluated',
  thresholds: 'thresholds evaluated',
};

/**
 * Shows the search's progress on stderr, one progress display per phase; when stderr is
 * not a terminal, also one line per evaluated candidate, so a log keeps the whole trace.
 */
export class SearchProgressDisplay {
  private current: { phase: SearchPhase; progress: Progress; done: number } | null = null;

  constructor(private readonly io: CliIo) {}

  /** The search's `onProgress`. */
  readonly onProgress = (event: SearchProgress): void => {
    if (event.type === 'phase') {
      if (event.phase !== this.current?.phase) this.begin(event.phase, event.total);
      const current = this.current as NonNullable<typeof this.current>;
      current.done = event.done;
      current.progress.update(event.done);
    } else if (event.type === 'question' && this.current) {
      const { progress, done } = this.current;
      progress.update(done, `${event.step}: ${event.done}/${event.total} questions`);
    } else if (event.type === 'evaluated') {
      const budgets = Object.entries(event.candidate.budgets)
        .map(([stage, k]) => `${stage}=${k}`)
        .join(' ');
      const thresholds = Object.values(event.candidate.thresholds).some((t) => t !== null)
        ? ` exit<=${Object.values(event.candidate.thresholds).join('/')}`
        : '';
      const line = `${event.step} [${budgets}${thresholds}] accuracy ${(100 * event.accuracy).toFixed(1)}% latency ${event.meanLatencyMs.toFixed(0)} ms${event.pruned ? ' (pruned)' : ''}`;
      if (!(this.io.stderrIsTTY ?? this.io.isTTY)) this.io.stderr(`${line}\n`);
    }
  };

  /** Ends the display of the last phase. */
  finish(): void {
    this.current?.progress.finish();
    this.current = null;
  }

  private begin(phase: SearchPhase, total: number): void {
    this.finish();
    this.current = {
      phase,
      progress: createProgress(this.io, { label: PHASE_LABELS[phase], total }),
      done: 0,
    };
  }
}
