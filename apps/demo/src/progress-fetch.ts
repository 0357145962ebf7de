/** How far the model's files have come: bytes per file, as the server announced them. */
export interface FetchProgress {
  readonly file: string;
  readonly loaded: number;
  /** From `Content-Length`; null when the server sent none. */
  readonly total: number | null;
  readonly done: boolean;
}

/**
 * A `fetch` that reports each response body's progress as it is read, for
 * `bundleFromUrl({ fetch })`: the body is passed on unchanged (same bytes, same status).
 */
export function progressFetch(
  onProgress: (progress: FetchProgress) => void,
  inner: typeof fetch = fetch,
): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const file = decodeURIComponent(
      new URL(url, 'http://localhost/').pathname.split('/').pop() ?? url,
    );
    const length = response.headers.get('Content-Length');
    const total = length === null ? null : Number(length);
    if (!response.ok || response.body === null) return response;
    let loaded = 0;
    onProgress({ file, loaded, total, done: false });
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          loaded += chunk.byteLength;
          onProgress({ file, loaded, total, done: false });
          controller.enqueue(chunk);
        },
        flush() {
          onProgress({ file, loaded, total, done: true });
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
