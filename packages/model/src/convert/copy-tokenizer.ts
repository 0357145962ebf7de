import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ModelBundleManifest } from '../bundle-manifest.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import type { DecoderConfig } from '../decoder-config.js';
import { HuggingFaceTokenizer } from '../tokenizers/hf-tokenizer.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c-tokenizer.js';
import { ConversionError } from './conversion-error.js';

type BundleTokenizer = ModelBundleManifest['tokenizer'];
type TokenizerKind = BundleTokenizer['kind'];

/**
 * Checks that `path` is the llama2.c `tokenizer.bin` of `checkpoint` (read as the runtime
 * will read it) and copies it into the bundle folder `into`.
 */
export async function copyLlama2cTokenizer(
  checkpoint: string,
  path: string | undefined,
  into: string,
  config: DecoderConfig,
): Promise<BundleTokenizer> {
  if (path === undefined) {
    throw new ConversionError(
      `${checkpoint}: a llama2.c checkpoint needs its tokenizer.bin; set the tokenizer option to it`,
    );
  }
  const bytes = await readTokenizerFile(path);
  expectKind(bytes, 'llama2c', path, `the llama2.c checkpoint ${checkpoint}`);
  loadOrExplain(path, 'llama2c', () =>
    Llama2cTokenizer.fromBytes(bytes, { vocabSize: config.vocabSize, source: path }),
  );
  await writeFile(join(into, 'tokenizer.bin'), bytes);
  return { kind: 'llama2c', file: 'tokenizer.bin', configFile: null };
}

/**
 * Checks that `explicit` (default: the checkpoint's own `tokenizer.json`) is a Hugging Face
 * tokenizer that loads with the checkpoint's special tokens, and copies it, with the
 * `tokenizer_config.json` beside it when there is one, into the bundle folder `into`.
 */
export async function copyHuggingFaceTokenizer(
  checkpoint: string,
  explicit: string | undefined,
  into: string,
  config: DecoderConfig,
): Promise<BundleTokenizer> {
  const path = explicit ?? join(checkpoint, 'tokenizer.json');
  if (!(await exists(path))) {
    throw new CheckpointError(
      path,
      'is missing: a Hugging Face checkpoint needs its tokenizer.json (or set the tokenizer option to one)',
    );
  }
  const bytes = await readTokenizerFile(path);
  expectKind(bytes, 'huggingface', path, `the Hugging Face checkpoint ${checkpoint}`);
  const configPath = join(dirname(path), 'tokenizer_config.json');
  const hasConfig = await exists(configPath);
  const configText = hasConfig ? await readFile(configPath, 'utf8') : undefined;
  loadOrExplain(path, 'huggingface', () =>
    HuggingFaceTokenizer.fromJson(new TextDecoder().decode(bytes), {
      source: path,
      ...(configText === undefined ? {} : { config: configText }),
      ...(config.bosTokenId === null ? {} : { bosTokenId: config.bosTokenId }),
      eosTokenIds: config.eosTokenIds,
    }),
  );
  await copyFile(path, join(into, 'tokenizer.json'));
  if (hasConfig) await copyFile(configPath, join(into, 'tokenizer_config.json'));
  return {
    kind: 'huggingface',
    file: 'tokenizer.json',
    configFile: hasConfig ? 'tokenizer_config.json' : null,
  };
}

/**
 * What kind of tokenizer file `bytes` hold. A `tokenizer.json` is a JSON object; a llama2.c
 * `tokenizer.bin` starts with its int32 max_token_length, whose little-endian bytes are
 * never whitespace followed by "{".
 */
export function tokenizerKindOf(bytes: Uint8Array): TokenizerKind {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b ? 'huggingface' : 'llama2c';
  }
  return 'llama2c';
}

/** Refuses a tokenizer file of the other kind, saying which kind `needer` needs. */
function expectKind(bytes: Uint8Array, expected: TokenizerKind, path: string, needer: string) {
  if (tokenizerKindOf(bytes) === expected) return;
  throw new ConversionError(
    expected === 'llama2c'
      ? `${path}: a Hugging Face tokenizer.json, but ${needer} needs a llama2.c tokenizer.bin`
      : `${path}: not a Hugging Face tokenizer.json (a llama2.c tokenizer.bin?), but ${needer} needs its tokenizer.json`,
  );
}

/** Runs a tokenizer loader; its complaint about the file becomes a ConversionError. */
function loadOrExplain(path: string, kind: TokenizerKind, load: () => unknown): void {
  try {
    load();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    const what = kind === 'huggingface' ? 'Hugging Face' : 'llama2.c';
    throw new ConversionError(`${path}: is not a usable ${what} tokenizer: ${detail}`, {
      cause: error,
    });
  }
}

async function readTokenizerFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new ConversionError(`${path}: tokenizer file not found`, { cause: error });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
