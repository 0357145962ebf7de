import {
  type DecoderConfig,
  EMBED_TOKENS,
  FINAL_NORM,
  LM_HEAD,
  layerTensorNames,
  type WeightSource,
} from '../decoder-config.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  type FileTensorEntry,
  FileWeightSource,
  openCheckpointFile,
  readFileRange,
} from './file-weight-source.js';

/** The legacy header: seven little-endian int32. */
export const LLAMA2C_HEADER_BYTES = 28;

/** "ak42" read as a little-endian uint32: the first word of llama2.c's versioned exports. */
const VERSIONED_EXPORT_MAGIC = 0x616b3432;

/** The legacy llama2.c header, with the classifier sign folded into `sharedClassifier`. */
export interface Llama2cHeader {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly vocabSize: number;
  readonly seqLen: number;
  /** A positive vocab_size in the file: the classifier is the token embedding. */
  readonly sharedClassifier: boolean;
}

export interface Llama2cCheckpoint {
  readonly config: DecoderConfig;
  /** The weights under Hugging Face Llama names, as stored (not permuted for "half" rope). */
  readonly weights: WeightSource;
}

/**
 * Opens a llama2.c checkpoint in the legacy `.bin` format (run.c's): the header, then fp32
 * weights. The header is checked and the file size must match it exactly, because a
 * mismatch means every later tensor would be read from the wrong place. Tensors are read on
 * demand. Its rotary embedding rotates interleaved pairs, so `ropeStyle` is "interleaved" and
 * the weights are left as stored for the graph builder to handle. Close `weights` when done.
 */
export async function openLlama2cCheckpoint(path: string): Promise<Llama2cCheckpoint> {
  const handle = await openCheckpointFile(path, 'a llama2.c .bin checkpoint');
  try {
    const { size } = await handle.stat();
    const headerBytes = await readFileRange(handle, path, 0, Math.min(size, LLAMA2C_HEADER_BYTES));
    const header = parseLlama2cHeader(headerBytes, path);
    const layout = llama2cLayout(header);
    if (size !== layout.fileBytes) throw sizeMismatch(path, header, size, layout.fileBytes);
    return {
      config: llama2cDecoderConfig(header),
      weights: new FileWeightSource(path, handle, layout.tensors),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads and checks the header (the first 28 bytes of the file; fewer is an error). */
export function parseLlama2cHeader(bytes: Uint8Array, file: string): Llama2cHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 8 && view.getUint32(0, true) === VERSIONED_EXPORT_MAGIC) {
    throw new CheckpointError(
      file,
      `is a versioned llama2.c export (magic "ak42", version ${view.getInt32(4, true)}); only the legacy format is read: re-export it with export.py --version 0`,
    );
  }
  if (bytes.length < LLAMA2C_HEADER_BYTES) {
    throw new CheckpointError(
      file,
      `file is ${bytes.length} bytes, shorter than the ${LLAMA2C_HEADER_BYTES}-byte llama2.c header`,
    );
  }
  const field = (index: number) => view.getInt32(index * 4, true);
  const raw = {
    dim: field(0),
    hidden_dim: field(1),
    n_layers: field(2),
    n_heads: field(3),
    n_kv_heads: field(4),
    vocab_size: field(5),
    seq_len: field(6),
  };
  const corrupt = (what: string) => new CheckpointError(file, `corrupt llama2.c header: ${what}`);
  for (const [name, value] of Object.entries(raw)) {
    // vocab_size alone may be negative: its sign says the classifier is stored separately.
    const valid = name === 'vocab_size' ? value !== 0 : value > 0;
    if (!valid) throw corrupt(`${name} ${value}`);
  }
  if (raw.dim % raw.n_heads !== 0) {
    throw corrupt(`dim ${raw.dim} is not a multiple of n_heads ${raw.n_heads}`);
  }
  if (raw.n_heads % raw.n_kv_heads !== 0) {
    throw corrupt(`n_heads ${raw.n_heads} is not a multiple of n_kv_heads ${raw.n_kv_heads}`);
  }
  const headSize = raw.dim / raw.n_heads;
  if (headSize % 2 !== 0) {
    throw corrupt(`head size ${headSize} (dim / n_heads) is odd; rotary embedding needs pairs`);
  }
  return {
    dim: raw.dim,
    hiddenDim: raw.hidden_dim,
    numLayers: raw.n_layers,
    numHeads: raw.n_heads,
    numKvHeads: raw.n_kv_heads,
    vocabSize: Math.abs(raw.vocab_size),
    seqLen: raw.seq_len,
    sharedClassifier: raw.vocab_size > 0,
  };
}

/** The config llama2.c's run.c implies: its constants where the header says nothing. */
export function llama2cDecoderConfig(header: Llama2cHeader): DecoderConfig {
  return {
    architecture: 'llama',
    vocabSize: header.vocabSize,
    hiddenSize: header.dim,
    intermediateSize: header.hiddenDim,
    numLayers: header.numLayers,
    numHeads: header.numHeads,
    numKvHeads: header.numKvHeads,
    headDim: header.dim / header.numHeads,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    ropeStyle: 'interleaved',
    maxPositionEmbeddings: header.seqLen,
    tieWordEmbeddings: header.sharedClassifier,
    attentionBias: false,
    // llama2.c's SentencePiece vocabularies: <s> = 1, </s> = 2.
    bosTokenId: 1,
    eosTokenIds: [2],
  };
}

/**
 * Where each tensor lies, in file order, and the exact file size the header implies. Each
 * stacked per-layer array ([L, out, in]) is split into one tensor per layer.
 */
export function llama2cLayout(header: Llama2cHeader): {
  tensors: Map<string, FileTensorEntry>;
  fileBytes: number;
} {
  const { dim, hiddenDim, numLayers, vocabSize, seqLen } = header;
  const headSize = dim / header.numHeads;
  const kvDim = header.numKvHeads * headSize;
  const tensors = new Map<string, FileTensorEntry>();
  let position = LLAMA2C_HEADER_BYTES;

  const single = (name: string, shape: readonly number[]) => {
    const byteLength = shape.reduce((product, size) => product * size, 4);
    tensors.set(name, { dtype: 'F32', shape, position, byteLength });
    position += byteLength;
  };
  const perLayer = (
    name: (names: ReturnType<typeof layerTensorNames>) => string,
    shape: readonly number[],
  ) => {
    for (let layer = 0; layer < numLayers; layer++) single(name(layerTensorNames(layer)), shape);
  };

  single(EMBED_TOKENS, [vocabSize, dim]);
  perLayer((names) => names.inputNorm, [dim]);
  perLayer((names) => names.q, [dim, dim]);
  perLayer((names) => names.k, [kvDim, dim]);
  perLayer((names) => names.v, [kvDim, dim]);
  perLayer((names) => names.o, [dim, dim]);
  perLayer((names) => names.postNorm, [dim]);
  perLayer((names) => names.gate, [hiddenDim, dim]); // w1
  perLayer((names) => names.down, [dim, hiddenDim]); // w2
  perLayer((names) => names.up, [hiddenDim, dim]); // w3
  single(FINAL_NORM, [dim]);
  // freq_cis_real and freq_cis_imag, [seq_len, head_size / 2] each: unused, recomputed from theta.
  position += 2 * seqLen * (headSize / 2) * 4;
  if (!header.sharedClassifier) single(LM_HEAD, [vocabSize, dim]);
  return { tensors, fileBytes: position };
}

function sizeMismatch(
  file: string,
  header: Llama2cHeader,
  actual: number,
  expected: number,
): CheckpointError {
  const described = `dim ${header.dim}, hidden_dim ${header.hiddenDim}, n_layers ${header.numLayers}, n_heads ${header.numHeads}, n_kv_heads ${header.numKvHeads}, vocab_size ${header.vocabSize}, seq_len ${header.seqLen}, ${header.sharedClassifier ? 'shared' : 'separate'} classifier`;
  const classifierBytes = header.vocabSize * header.dim * 4;
  const hint =
    header.sharedClassifier && actual - expected === classifierBytes
      ? ' (exactly one classifier more: a separate classifier needs a negative vocab_size)'
      : actual < expected
        ? ': it is truncated or not a legacy llama2.c checkpoint'
        : ': it has trailing bytes or is not a legacy llama2.c checkpoint';
  return new CheckpointError(
    file,
    `file is ${actual} bytes but its header (${described}) implies ${expected}${hint}`,
  );
}
