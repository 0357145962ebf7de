import { DEVICES, type Device, describeDeviceChoice, type Runtime } from '@litestage/runtime';
import type { CliIo } from '../cli-io.js';
import { oneOf } from './option-parsers.js';

/** `--device` as every command that runs a model takes it. */
export const DEVICE_OPTION = {
  flags: '--device <name>',
  help: `where the model runs: ${DEVICES.join(' | ')} (auto: the first usable of cuda, webgpu, cpu; see \`litestage doctor\`)`,
  parse: oneOf(DEVICES),
  default: 'cpu' as Device,
} as const;

/** With `--device auto`, one line on stderr: which device runs and why the ones before it did not. */
export function reportDeviceChoice(io: CliIo, runtime: Runtime): void {
  if (runtime.deviceChoice.requested !== 'auto') return;
  io.stderr(`litestage: ${describeDeviceChoice(runtime.deviceChoice)}\n`);
}
