import { DEVICES, type Device, describeDeviceChoice, type Runtime } from '@litestage/runtime';

/** A benchmark script's `--flag value`, or `fallback`; a missing flag without one throws. */
export function arg(flag: string, fallback?: string): string {
  const i = process.argv.indexOf(flag);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing ${flag}`);
  return value;
}

/** Whether a benchmark script was given `flag`. */
export function has(flag: string): boolean {
  return process.argv.includes(flag);
}

/** `--device auto|cpu|cuda|webgpu` (default cpu), as every benchmark that runs a model takes it. */
export function deviceArg(): Device {
  const device = arg('--device', 'cpu');
  if (!(DEVICES as readonly string[]).includes(device))
    throw new Error(`--device ${device}: expected one of ${DEVICES.join(', ')}`);
  return device as Device;
}

/** The device a benchmark ran on, for its report; with `auto`, also why others were passed over. */
export function deviceLine(runtime: Runtime): string {
  return describeDeviceChoice(runtime.deviceChoice);
}
