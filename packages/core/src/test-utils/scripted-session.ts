import type {
  BundleManifest,
  ModelSession,
  Sequence,
  StepRequest,
  StepResult,
} from '../backend.js';
import type { Tokenizer } from '../tokenizer.js';

/** One character a token: ids 3.. are the characters of `alphabet`; 1 = BOS, 2 = EOS. */
export class CharTokenizer implements Tokenizer {
  readonly bosTokenId = 1;
  readonly eosTokenIds = [2];
  readonly vocabSize: number;

  constructor(readonly alphabet: string) {
    this.vocabSize = alphabet.length + 3;
  }

  id(char: string): number {
    const index = this.alphabet.indexOf(char);
    if (index < 0) throw new Error(`no token for ${JSON.stringify(char)}`);
    return index + 3;
  }

  encode(text: string, options: { addBos?: boolean } = {}): number[] {
    return [...(options.addBos ? [1] : []), ...[...text].map((c) => this.id(c))];
  }

  decode(ids: readonly number[]): string {
    return ids
      .filter((id) => id >= 3)
      .map((id) => this.alphabet[id - 3])
      .join('');
  }
}

export const MANIFEST: BundleManifest = {
  format: 'litestage-bundle',
  formatVersion: 1,
  name: 'scripted',
  architecture: 'llama',
  numLayers: 2,
  numKvHeads: 1,
  headDim: 2,
  vocabSize: 40,
  maxPositions: 4096,
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  dtype: 'fp32',
  quantization: 'none',
  graphs: { gated: { file: 'model.onnx', externalData: null }, plain: null },
  propagateKv: false,
  tokenizer: { kind: 'huggingface', file: 'tokenizer.json', configFile: null },
  bosTokenId: 1,
  eosTokenIds: [2],
};

export interface RecordedStep {
  readonly request: StepRequest;
  readonly lengthBefore: number;
}

/**
 * A session that returns scripted logits: `next(step)` gives the logits of the step-th call
 * (0-based over the whole run). It records every request, and waits `delayMs` per step.
 */
export class ScriptedSession implements ModelSession {
  readonly backend = 'scripted';
  readonly executionProvider = 'none';
  readonly steps: RecordedStep[] = [];
  readonly manifest: BundleManifest;

  constructor(
    private readonly next: (step: number, request: StepRequest) => Float32Array,
    manifest: Partial<BundleManifest> = {},
    private readonly delayMs = 0,
  ) {
    this.manifest = { ...MANIFEST, ...manifest };
  }

  createSequence(): Sequence {
    let length = 0;
    return {
      get length() {
        return length;
      },
      layerLengths: () => [length, length],
      reset: () => {
        length = 0;
      },
      truncate: (to: number) => {
        length = to;
      },
      dispose: () => {},
      // The session advances it through this hidden method.
      advance: (n: number) => {
        length += n;
      },
    } as Sequence & { advance(n: number): void };
  }

  async step(sequence: Sequence, request: StepRequest): Promise<StepResult> {
    const lengthBefore = sequence.length;
    this.steps.push({ request, lengthBefore });
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    (sequence as Sequence & { advance(n: number): void }).advance(request.tokens.length);
    return { logits: this.next(this.steps.length - 1, request), positions: 1 };
  }

  async dispose(): Promise<void> {}
}

/** Logits over `vocab` tokens where `id` has probability `p` and the rest share 1 - p. */
export function logitsFor(vocab: number, id: number, p = 0.9): Float32Array {
  const logits = new Float32Array(vocab).fill(Math.log((1 - p) / (vocab - 1)));
  logits[id] = Math.log(p);
  return logits;
}
