import {
  convertCheckpoint,
  INT4_ACCURACY_LEVEL,
  INT4_BLOCK_SIZE,
  INT4_BLOCK_SIZES,
} from '@litestage/model/convert';
import type { Command } from 'commander';
import { CliError, EXIT_INTERRUPTED } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { interruptSignal, isAbortOf } from '../interrupt-signal.js';
import type { CommandModule } from './command-module.js';
import { nonNegativeInteger, oneOf } from './option-parsers.js';

interface ConvertFlags {
  out: string;
  layout: 'bundle' | 'optimum';
  tokenizer?: string;
  dtype: 'fp32' | 'fp16';
  quant: 'none' | 'int8' | 'int4';
  graph?: 'fused' | 'standard';
  accuracyLevel?: number;
  lmHead?: 'float' | 'int8' | 'int4';
  blockSize?: number;
  plain: boolean;
  kvPropagate?: boolean;
  name?: string;
}

export const convertCommand: CommandModule = {
  name: 'convert',
  register(program: Command, io: CliIo) {
    program
      .command('convert')
      .description(
        'convert a checkpoint (Hugging Face folder or llama2.c .bin) into a LiteStage bundle',
      )
      .argument(
        '<checkpoint>',
        'a Hugging Face folder (config.json + safetensors) or a llama2.c .bin',
      )
      .requiredOption(
        '--out <dir>',
        'the bundle folder to create (it must not exist; its parent folder must)',
      )
      .option(
        '--layout <layout>',
        'bundle (a LiteStage bundle) | optimum (onnx/model.onnx, config.json and tokenizer files, as transformers.js loads them)',
        oneOf(['bundle', 'optimum'] as const),
        'bundle',
      )
      .option(
        '--tokenizer <file>',
        'tokenizer: llama2.c tokenizer.bin (required for .bin) or tokenizer.json',
      )
      .option(
        '--dtype <dtype>',
        'weight storage: fp32 | fp16',
        oneOf(['fp32', 'fp16'] as const),
        'fp32',
      )
      .option(
        '--quant <kind>',
        'weight quantization: none | int8 | int4 (MatMulNBits)',
        oneOf(['none', 'int8', 'int4'] as const),
        'none',
      )
      .option(
        '--graph <flavour>',
        'graph ops: fused (onnxruntime contrib ops; the default where the model allows it) | standard (standard ONNX ops, for runtimes without them)',
        oneOf(['fused', 'standard'] as const),
      )
      .option(
        '--accuracy-level <level>',
        `int4 weights or head: MatMulNBits' accuracy_level, 0-4 (default ${INT4_ACCURACY_LEVEL}: int8 activations, faster on CPUs with int8 dot products; 0: the op's own)`,
        nonNegativeInteger,
      )
      .option(
        '--block-size <n>',
        `int4 weights or head: inputs per scale, one of ${INT4_BLOCK_SIZES.join(', ')} (default ${INT4_BLOCK_SIZE})`,
        nonNegativeInteger,
      )
      .option(
        '--lm-head <storage>',
        'how to store the LM head: float | int8 (8-bit blocks, int8 activations) | int4 (default: int8 with --quant int4, float otherwise)',
        oneOf(['float', 'int8', 'int4'] as const),
      )
      .option('--no-plain', 'skip the plain (ungated) graph used by benchmarks')
      .option(
        '--kv-propagate',
        'build for the propagate KV policy (skipped attention still writes its K/V)',
      )
      .option(
        '--name <name>',
        "bundle name (default: config.json's _name_or_path, else <model_type>-<layers>x<width>; a .bin's file name)",
      )
      .action(async (checkpoint: string, flags: ConvertFlags) => {
        let last = '';
        const onProgress = (message: string) => {
          if (io.stderrIsTTY ?? io.isTTY) {
            io.stderr(`\r\u001b[2K${message}`);
            last = message;
          } else if (!message.startsWith('[')) {
            io.stderr(`${message}\n`);
          }
        };
        // Ctrl-C stops the conversion at the next tensor; it removes what it wrote.
        const interrupt = interruptSignal(io);
        try {
          const written = await convertCheckpoint({
            input: checkpoint,
            out: flags.out,
            layout: flags.layout,
            dtype: flags.dtype,
            quantization: flags.quant,
            plainGraph: flags.plain,
            propagateKv: Boolean(flags.kvPropagate),
            ...(flags.lmHead === undefined ? {} : { lmHead: flags.lmHead }),
            ...(flags.blockSize === undefined ? {} : { int4BlockSize: flags.blockSize }),
            onProgress,
            ...(flags.graph === undefined ? {} : { graph: flags.graph }),
            ...(flags.accuracyLevel === undefined ? {} : { accuracyLevel: flags.accuracyLevel }),
            signal: interrupt.signal,
            ...(flags.tokenizer === undefined ? {} : { tokenizer: flags.tokenizer }),
            ...(flags.name === undefined ? {} : { name: flags.name }),
          });
          if (last) io.stderr('\n');
          io.stdout(
            'layout' in written
              ? `${flags.out}: transformers.js layout, ${written.modelType}, ${written.numLayers} layers, dtype ${written.transformersDtype} (${written.modelFile})\n`
              : `${flags.out}: ${written.name}, ${written.numLayers} layers, ${written.dtype}, quantization ${written.quantization}, ${written.graphFlavour} graph, ${written.fingerprint}\n`,
          );
        } catch (error) {
          if (last) io.stderr('\n');
          if (isAbortOf(error, interrupt.signal)) {
            throw new CliError(
              `interrupted; the unfinished bundle was removed and nothing was written to ${flags.out}`,
              { exitCode: EXIT_INTERRUPTED },
            );
          }
          throw error;
        } finally {
          interrupt.release();
        }
      });
  },
};
