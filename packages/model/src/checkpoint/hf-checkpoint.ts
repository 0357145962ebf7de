import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DecoderConfig,
  LM_HEAD,
  type StoredDtype,
  type WeightSource,
} from '../decoder-config.js';
import { CheckpointError, fileErrorCode } from './checkpoint-error.js';
import { expectedTensorShapes, formatShape, sameShape } from './expected-tensors.js';
import { parseHuggingFaceConfig } from './hf-config.js';
import { openSafetensors, type SafetensorsFile } from './safetensors.js';

export const HF_CONFIG_FILE = 'config.json';
export const HF_SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const HF_WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

export interface HuggingFaceCheckpoint {
  readonly config: DecoderConfig;
  /** Every tensor of the checkpoint; `lm_head.weight` only when the checkpoint stores it. */
  readonly weights: WeightSource;
  /** config.json exactly as read, for the bundle's fingerprint. */
  readonly configJson: string;
}

/**
 * Opens a Hugging Face checkpoint folder: `config.json` and either `model.safetensors` or the
 * shards listed in `model.safetensors.index.json`. Every tensor the config needs is checked
 * (present, right shape) before this returns, so a conversion never fails half way; tensor
 * data is read only when asked for. Close `weights` when done.
 */
export async function openHuggingFaceCheckpoint(dir: string): Promise<HuggingFaceCheckpoint> {
  const configPath = join(dir, HF_CONFIG_FILE);
  const configJson = await readConfigText(dir, configPath);
  let json: unknown;
  try {
    json = JSON.parse(configJson);
  } catch (error) {
    throw new CheckpointError(
      configPath,
      `is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  const config = parseHuggingFaceConfig(json, configPath);
  const weights = await openWeights(dir);
  try {
    checkTensors(config, weights);
  } catch (error) {
    await weights.close();
    throw error;
  }
  return { config, weights, configJson };
}

async function readConfigText(dir: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (fileErrorCode(error) !== 'ENOENT' && fileErrorCode(error) !== 'ENOTDIR') {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CheckpointError(path, `cannot be read (${reason})`, { cause: error });
    }
  }
  // Say whether the folder itself is the problem: a wrong path is the commonest mistake.
  const folder = await stat(dir).catch(() => undefined);
  if (folder === undefined) {
    throw new CheckpointError(dir, 'no such folder (expected a Hugging Face checkpoint folder)');
  }
  if (!folder.isDirectory()) {
    throw new CheckpointError(
      dir,
      'is a file; expected a Hugging Face checkpoint folder holding config.json and model.safetensors',
    );
  }
  throw new CheckpointError(
    path,
    'is missing; a Hugging Face checkpoint folder holds config.json next to its *.safetensors weights',
  );
}

/** The folder's weights: the single file if there is one (as transformers prefers), else the shards. */
async function openWeights(dir: string): Promise<CheckpointWeights> {
  const singlePath = join(dir, HF_SINGLE_WEIGHTS_FILE);
  if (await isFile(singlePath)) {
    const file = await openSafetensors(singlePath);
    return new CheckpointWeights(dir, new Map(file.names.map((name) => [name, file])), [file]);
  }
  const indexPath = join(dir, HF_WEIGHTS_INDEX_FILE);
  if (await isFile(indexPath)) return openShards(dir, indexPath);

  const files = await readdir(dir).catch(() => [] as string[]);
  const pytorch = files.find((name) => name.endsWith('.bin') || name.endsWith('.pt'));
  throw new CheckpointError(
    dir,
    `has neither ${HF_SINGLE_WEIGHTS_FILE} nor ${HF_WEIGHTS_INDEX_FILE}${
      pytorch === undefined
        ? ''
        : ` (it has ${pytorch}: PyTorch pickles are not read; save the model with safe_serialization=True)`
    }`,
  );
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ?? false;
}

async function openShards(dir: string, indexPath: string): Promise<CheckpointWeights> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (error) {
    throw new CheckpointError(
      indexPath,
      `cannot be read as JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  const weightMap =
    typeof index === 'object' && index !== null && 'weight_map' in index
      ? index.weight_map
      : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointError(indexPath, 'has no weight_map object (tensor name -> shard file)');
  }
  const shardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    // Shards live beside the index; a path elsewhere is a broken (or hostile) index.
    if (typeof shard !== 'string' || shard === '' || /[/\\]/.test(shard) || shard === '..') {
      throw new CheckpointError(
        indexPath,
        `weight_map entry ${JSON.stringify(shard)} is not a file name in the checkpoint folder`,
        { tensor: name },
      );
    }
    shardOf.set(name, shard);
  }

  // Each shard is opened once; its header is needed now to check shapes, its data later.
  const shardNames = [...new Set(shardOf.values())];
  const opened = await Promise.allSettled(
    shardNames.map((shard) => openSafetensors(join(dir, shard))),
  );
  const files = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = opened.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(files.map((file) => file.close()));
    throw failure.reason;
  }
  // Every shard opened, so `files` lines up with `shardNames`.
  const fileByShard = new Map(shardNames.map((shard, i) => [shard, files[i] as SafetensorsFile]));

  const owner = new Map<string, SafetensorsFile>();
  for (const [name, shard] of shardOf) {
    const file = fileByShard.get(shard) as SafetensorsFile;
    if (!file.has(name)) {
      await Promise.all(files.map((opened) => opened.close()));
      throw new CheckpointError(
        file.path,
        `listed for this shard in ${HF_WEIGHTS_INDEX_FILE}, but the shard does not store it`,
        { tensor: name },
      );
    }
    owner.set(name, file);
  }
  return new CheckpointWeights(dir, owner, files, indexPath);
}

interface TensorProblem {
  readonly file: string;
  readonly tensor: string;
  readonly message: string;
}

/** Checks every tensor the config needs; one error names the first problem and lists the rest. */
function checkTensors(config: DecoderConfig, weights: CheckpointWeights): void {
  const expected = expectedTensorShapes(config);
  // A stored lm_head is checked even when tied: the graph builder may still use it.
  if (weights.has(LM_HEAD) && !expected.has(LM_HEAD)) {
    expected.set(LM_HEAD, [config.vocabSize, config.hiddenSize]);
  }
  const problems: TensorProblem[] = [];
  for (const [tensor, shape] of expected) {
    if (!weights.has(tensor)) {
      const hint =
        tensor === LM_HEAD ? ' (or tie_word_embeddings: true if the model shares it)' : '';
      problems.push({
        file: weights.listing,
        tensor,
        message: `missing; config.json needs it with shape ${formatShape(shape)}${hint}`,
      });
      continue;
    }
    const actual = weights.shape(tensor);
    if (!sameShape(actual, shape)) {
      problems.push({
        file: weights.fileOf(tensor).path,
        tensor,
        message: `shape ${formatShape(actual)}, but config.json implies ${formatShape(shape)}`,
      });
    }
  }
  const [first, ...rest] = problems;
  if (first === undefined) return;
  const shown = rest
    .slice(0, 5)
    .map((problem) => `\n  also ${problem.file}: tensor "${problem.tensor}": ${problem.message}`);
  const hidden = rest.length - shown.length;
  throw new CheckpointError(
    first.file,
    `${first.message}${shown.join('')}${hidden > 0 ? `\n  and ${hidden} more` : ''}`,
    { tensor: first.tensor },
  );
}

/** The tensors of one checkpoint, each read from the file that holds it. */
class CheckpointWeights implements WeightSource {
  readonly names: readonly string[];

  constructor(
    readonly location: string,
    private readonly owner: ReadonlyMap<string, SafetensorsFile>,
    private readonly files: readonly SafetensorsFile[],
    /** The file that lists the tensors: the index when sharded, else the single file. */
    private readonly listingFile?: string,
  ) {
    this.names = [...owner.keys()];
  }

  get listing(): string {
    return this.listingFile ?? this.files[0]?.path ?? this.location;
  }

  fileOf(name: string): SafetensorsFile {
    const file = this.owner.get(name);
    if (!file) {
      throw new CheckpointError(this.listing, 'no such tensor in this checkpoint', {
        tensor: name,
      });
    }
    return file;
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  shape(name: string): readonly number[] {
    return this.fileOf(name).shape(name);
  }

  dtype(name: string): StoredDtype {
    return this.fileOf(name).dtype(name);
  }

  async read(name: string): Promise<Float32Array> {
    return this.fileOf(name).read(name);
  }

  async readRaw(name: string): Promise<Uint8Array> {
    return this.fileOf(name).readRaw(name);
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((file) => file.close()));
  }
}
