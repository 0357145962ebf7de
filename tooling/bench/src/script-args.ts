/** A benchmark script's `--flag value`, or `fallback`; a missing flag without one throws. */
export function arg(flag: string, fallback?: string): string {
  const i = process.argv.indexOf(flag);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing ${flag}`);
  return value;
}

/** Whether a benchmark script was given `flag`. */
export function has(flag: string): boolean {
  return process.argv.includes(flag);
}
