/** Resolves when `promise` does, or after `ms`, whichever comes first. */
export function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([
    promise.then(() => {}),
    new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
  ]);
}
