import { describe, expect, it } from 'vitest';
import { type FetchProgress, progressFetch } from './progress-fetch.js';

function serving(
  body: Uint8Array[],
  headers: Record<string, string> = {},
  status = 200,
): typeof fetch {
  return async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of body) controller.enqueue(chunk);
          controller.close();
        },
      }),
      { status, headers },
    );
}

describe('progressFetch', () => {
  it('reports the bytes of each file as its body is read, and passes them on unchanged', async () => {
    const seen: FetchProgress[] = [];
    const get = progressFetch(
      (p) => seen.push(p),
      serving([new Uint8Array([1, 2]), new Uint8Array([3])], { 'Content-Length': '3' }),
    );
    const response = await get('http://host/model/model.onnx.data');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      { file: 'model.onnx.data', loaded: 0, total: 3, done: false },
      { file: 'model.onnx.data', loaded: 2, total: 3, done: false },
      { file: 'model.onnx.data', loaded: 3, total: 3, done: false },
      { file: 'model.onnx.data', loaded: 3, total: 3, done: true },
    ]);
  });

  it('has no total without Content-Length, and leaves a failed response alone', async () => {
    const seen: FetchProgress[] = [];
    await (
      await progressFetch(
        (p) => seen.push(p),
        serving([new Uint8Array(4)]),
      )(new URL('http://h/a.json'))
    ).arrayBuffer();
    expect(seen.at(-1)).toEqual({ file: 'a.json', loaded: 4, total: null, done: true });
    seen.length = 0;
    const missing = await progressFetch(
      (p) => seen.push(p),
      serving([], {}, 404),
    )('http://h/b.json');
    expect(missing.status).toBe(404);
    expect(seen).toEqual([]);
  });
});
