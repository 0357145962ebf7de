import type { Tokenizer } from '@litestage/core';
import type { ModelBundle } from './read-bundle.js';
import { HuggingFaceTokenizer } from './tokenizers/hf-tokenizer.js';
import { Llama2cTokenizer } from './tokenizers/llama2c-tokenizer.js';

/** The bundle's tokenizer. */
export async function loadBundleTokenizer(bundle: ModelBundle): Promise<Tokenizer> {
  const { tokenizer, config } = bundle.manifest;
  const bytes = await bundle.readFile(tokenizer.file);
  const source = `${bundle.location}/${tokenizer.file}`;
  if (tokenizer.kind === 'llama2c')
    return Llama2cTokenizer.fromBytes(bytes, { vocabSize: config.vocabSize, source });
  const decoder = new TextDecoder();
  const configText = tokenizer.configFile
    ? decoder.decode(await bundle.readFile(tokenizer.configFile))
    : undefined;
  return HuggingFaceTokenizer.fromJson(decoder.decode(bytes), {
    source,
    ...(configText === undefined ? {} : { config: configText }),
    ...(config.bosTokenId === null ? {} : { bosTokenId: config.bosTokenId }),
    eosTokenIds: config.eosTokenIds,
  });
}
