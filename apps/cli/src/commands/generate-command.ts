import { generate, type SkipMask, TextStreamer } from '@litestage/core';
import { SubLayerIdError, subLayerFlags } from '@litestage/profile';
import { type Device, openRuntime } from '@litestage/runtime';
import {
  EosTokenCriteria,
  MaxNewTokensCriteria,
  StoppingCriteriaList,
  TokenSampler,
} from '@litestage/sampler';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './command-module.js';
import { DEVICE_OPTION, reportDeviceChoice } from './device-option.js';
import { nonNegativeInteger } from './option-parsers.js';

interface GenerateFlags {
  bundle: string;
  prompt?: string;
  maxNewTokens: number;
  skip?: string;
  temperature: number;
  seed: number;
  threads?: number;
  device: Device;
}

function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError('expected a non-negative number.');
  }
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = nonNegativeInteger(value);
  if (parsed === 0) throw new InvalidArgumentError('expected a positive integer.');
  return parsed;
}

/** `"0.attn,3.ffn"` -> a mask over `numLayers` layers. */
export function parseSkipList(list: string | undefined, numLayers: number): SkipMask {
  const ids = (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    return subLayerFlags(ids, numLayers);
  } catch (error) {
    if (error instanceof SubLayerIdError) throw new CliError(`--skip: ${error.message}`);
    throw error;
  }
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
      .option('--max-new-tokens <n>', 'how many tokens at most', positiveInteger, 200)
      .option('--skip <ids>', 'sub-layers to skip, e.g. 0.attn,3.ffn')
      .option('--temperature <t>', '0 is greedy; above 0 samples', nonNegativeNumber, 0)
      .option('--seed <n>', 'seed for sampling', nonNegativeInteger, 0)
      .option('--threads <n>', 'CPU threads', nonNegativeInteger)
      .option(DEVICE_OPTION.flags, DEVICE_OPTION.help, DEVICE_OPTION.parse, DEVICE_OPTION.default)
      .action(async (flags: GenerateFlags) => {
        const runtime = await openRuntime({
          bundle: flags.bundle,
          device: flags.device,
          ...(flags.threads ? { threads: flags.threads } : {}),
        });
        try {
          reportDeviceChoice(io, runtime);
          const { manifest, tokenizer, session } = runtime;
          const skip = parseSkipList(flags.skip, manifest.numLayers);
          // The tokenizer knows whether this model starts sequences with BOS.
          const inputIds = tokenizer.encode(flags.prompt ?? '', { addBos: true });
          if (inputIds.length === 0)
            throw new CliError('the model has no BOS token: give a --prompt');
          const bos = manifest.bosTokenId === null ? [] : [manifest.bosTokenId];
          const generation = generate(session, session.createSequence(), {
            inputIds,
            skip,
            sampler: new TokenSampler({ temperature: flags.temperature, seed: flags.seed }),
            stoppingCriteria: new StoppingCriteriaList([
              new EosTokenCriteria([...manifest.eosTokenIds, ...bos]),
              new MaxNewTokensCriteria(flags.maxNewTokens),
            ]),
            // The prompt is context, so the first piece is spaced as it follows it.
            streamer: new TextStreamer(tokenizer, {
              promptIds: inputIds,
              callbackFunction: (text) => io.stdout(text),
            }),
          });
          for await (const _id of generation) {
            // The streamer prints each piece as it is settled.
          }
          if (io.isTTY) io.stdout('\n');
        } finally {
          await runtime.dispose();
        }
      });
  },
};
