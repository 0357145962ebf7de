import { TextStreamer, type Tokenizer } from '@litestage/core';

/** The text core's `TextStreamer` shows after each id is put, then at the end. */
export function streamDecode(tokenizer: Tokenizer, ids: readonly number[]): string[] {
  const chunks: string[] = [];
  let piece = '';
  const streamer = new TextStreamer(tokenizer, {
    callbackFunction: (text) => {
      piece += text;
    },
  });
  const take = () => {
    chunks.push(piece);
    piece = '';
  };
  for (const id of ids) {
    streamer.put([id]);
    take();
  }
  streamer.end();
  take();
  return chunks;
}
