/** A piece of a hand-made llama2.c vocabulary and its merge score. */
export interface Llama2cPiece {
  readonly piece: string;
  readonly score: number;
}

/**
 * Bytes of a llama2.c `tokenizer.bin` laid out as llama2.c's exporter writes it: `<unk>`, BOS,
 * EOS, the 256 byte-fallback tokens `<0x00>`..`<0xFF>` (score 0), then `extraPieces` in order
 * (the first at id 259). Returns the bytes and the vocabulary size to pass alongside them.
 */
export function buildLlama2cTokenizerBin(extraPieces: readonly Llama2cPiece[]): {
  bytes: Uint8Array;
  vocabSize: number;
} {
  const pieces: Llama2cPiece[] = [
    { piece: '<unk>', score: 0 },
    { piece: '\n<s>\n', score: 0 },
    { piece: '\n</s>\n', score: 0 },
  ];
  for (let byte = 0; byte < 256; byte++) {
    pieces.push({ piece: `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, score: 0 });
  }
  pieces.push(...extraPieces);
  const encoder = new TextEncoder();
  const encoded = pieces.map(({ piece, score }) => ({ piece: encoder.encode(piece), score }));
  const maxTokenLength = Math.max(...encoded.map(({ piece }) => piece.length));
  const total = 4 + encoded.reduce((sum, { piece }) => sum + 8 + piece.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, maxTokenLength, true);
  let offset = 4;
  for (const { piece, score } of encoded) {
    view.setFloat32(offset, score, true);
    view.setInt32(offset + 4, piece.length, true);
    bytes.set(piece, offset + 8);
    offset += 8 + piece.length;
  }
  return { bytes, vocabSize: pieces.length };
}
