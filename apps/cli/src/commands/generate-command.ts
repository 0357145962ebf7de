import { nodeBackend } from '@litestage/backend-node';
import type { SkipMask } from '@litestage/core';
import { loadBundleTokenizer } from '@litestage/model';
import { openBundle } from '@litestage/model/node';
import { parseSubLayerId, SubLayerIdError } from '@litestage/profile';
import { TokenSampler } from '@litestage/sampler';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './command-module.js';
import { isInputError } from './convert-command.js';
import { nonNegativeInteger } from './option-parsers.js';

interface GenerateFlags {
  bundle: string;
  prompt?: string;
  maxNewTokens: number;
  skip?: string;
  temperature: number;
  seed: number;
  threads?: number;
}

function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError('expected a non-negative number.');
  }
  return parsed;
}

/** `"0.attn,3.ffn"` -> a mask over `numLayers` layers. */
export function parseSkipList(list: string | undefined, numLayers: number): SkipMask {
  const attn = Array<boolean>(numLayers).fill(false);
  const ffn = Array<boolean>(numLayers).fill(false);
  for (const id of (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      const { layer, kind } = parseSubLayerId(id, numLayers);
      (kind === 'attn' ? attn : ffn)[layer] = true;
    } catch (error) {
      if (error instanceof SubLayerIdError) throw new CliError(`--skip: ${error.message}`);
      throw error;
    }
  }
  return { attn, ffn };
}

export const generateCommand: CommandModule = {
  name: 'generate',
  register(program: Command, io: CliIo) {
    program
      .command('generate')
      .description(
        'continue a prompt with a bundle (BOS first; no prompt starts from BOS alone); prints only the generated text',
      )
      .requiredOption('--bundle <dir>', 'a bundle folder made by `litestage convert`')
      .option('--prompt <text>', 'text to continue')
      .option('--max-new-tokens <n>', 'how many tokens at most', nonNegativeInteger, 200)
      .option('--skip <ids>', 'sub-layers to skip, e.g. 0.attn,3.ffn')
      .option('--temperature <t>', '0 is greedy; above 0 samples', nonNegativeNumber, 0)
      .option('--seed <n>', 'seed for sampling', nonNegativeInteger, 0)
      .option('--threads <n>', 'CPU threads', nonNegativeInteger)
      .action(async (flags: GenerateFlags) => {
        let bundle: Awaited<ReturnType<typeof openBundle>>;
        try {
          bundle = await openBundle(flags.bundle);
        } catch (error) {
          if (isInputError(error)) throw new CliError(error.message);
          throw error;
        }
        const { manifest } = bundle;
        const skip = parseSkipList(flags.skip, manifest.numLayers);
        const tokenizer = await loadBundleTokenizer(bundle);
        const session = await nodeBackend.load(
          bundle,
          flags.threads ? { threads: flags.threads } : {},
        );
        try {
          const sequence = session.createSequence();
          const prompt = tokenizer.encode(flags.prompt ?? '');
          const bos = manifest.bosTokenId;
          // The tokenizer knows whether this model starts sequences with BOS.
          const input = tokenizer.encode(flags.prompt ?? '', { addBos: true });
          if (input.length === 0) throw new CliError('the model has no BOS token: give a --prompt');
          const stop = new Set([...manifest.eosTokenIds, ...(bos === null ? [] : [bos])]);
          const decoder = tokenizer.createStreamDecoder();
          // The decoder sees the prompt first, so the first generated piece is spaced as in context.
          for (const id of prompt) decoder.push(id);
          decoder.flush();
          const sampler = new TokenSampler({ temperature: flags.temperature, seed: flags.seed });
          let tokens = input;
          for (let n = 0; n < flags.maxNewTokens; n++) {
            const { logits } = await session.step(sequence, { tokens, skip });
            const next = sampler.choose(logits);
            if (stop.has(next)) break;
            const text = decoder.push(next);
            if (text) io.stdout(text);
            tokens = [next];
          }
          const rest = decoder.flush();
          if (rest) io.stdout(rest);
          if (io.isTTY) io.stdout('\n');
        } finally {
          await session.dispose();
        }
      });
  },
};
