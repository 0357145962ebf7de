import { LiteStageError } from '@litestage/errors';
/** Where in a dataset file a problem is: a 1-based line (JSONL) or a 0-based item index (JSON). */
export type DatasetLocation = { readonly line: number } | { readonly index: number };

/** A problem in a dataset file, naming the file and the line or item. */
export class DatasetError extends LiteStageError {
  override readonly name = 'DatasetError';
  readonly source: string;
  readonly location: DatasetLocation | undefined;

  constructor(source: string, message: string, location?: DatasetLocation) {
    super(`${source}${formatLocation(location)}: ${message}`);
    this.source = source;
    this.location = location;
  }
}

export function formatLocation(location: DatasetLocation | undefined): string {
  if (!location) return '';
  return 'line' in location ? `:${location.line}` : ` item ${location.index}`;
}
