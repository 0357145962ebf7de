import {
  type TinyHfTokenizer,
  tinyByteLevelBpe,
  tinySentencePieceBpe,
} from '@litestage/model/testing';

/** The bundles' tokenizers: Llama's SentencePiece shape (with BOS), Qwen2's byte-level BPE. */
export function conformanceTokenizers(): { llama: TinyHfTokenizer; qwen2: TinyHfTokenizer } {
  return { llama: tinySentencePieceBpe(), qwen2: tinyByteLevelBpe() };
}

/** Vocabulary sizes: each model's vocabulary is exactly its tokenizer's. */
export function conformanceVocab(): { llama: number; qwen2: number } {
  const { llama, qwen2 } = conformanceTokenizers();
  return { llama: vocabSize(llama), qwen2: vocabSize(qwen2) };
}

function vocabSize(tokenizer: TinyHfTokenizer): number {
  const parsed = JSON.parse(tokenizer.tokenizerJson) as {
    model: { vocab: Record<string, number> };
    added_tokens?: { id: number }[];
  };
  const ids = [
    ...Object.values(parsed.model.vocab),
    ...(parsed.added_tokens ?? []).map((t) => t.id),
  ];
  return Math.max(...ids) + 1;
}
