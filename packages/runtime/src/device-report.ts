import { listedExecutionProviders, nodeRuntimeVersions } from '@litestage/backend-node';
import { BackendResolutionError, resolveBackend } from '@litestage/core';
import { AUTO_DEVICE_ORDER, type RunDevice } from './open-runtime.js';

/** Whether one device can run a model here, as its backend's probe found. */
export type DeviceStatus =
  | { readonly device: RunDevice; readonly usable: true }
  | {
      readonly device: RunDevice;
      readonly usable: false;
      readonly reason: string;
      readonly hint?: string;
    };

/** What `litestage doctor` prints: every device and execution provider, and the runtime versions. */
export interface DeviceReport {
  /** In the order `auto` tries them. */
  readonly devices: readonly DeviceStatus[];
  /** The device `auto` would choose, or null when none is usable. */
  readonly auto: RunDevice | null;
  /** Every execution provider the installed onnxruntime-node binary lists, used by LiteStage or not. */
  readonly executionProviders: readonly {
    readonly name: string;
    readonly bundled: boolean;
    /** Whether a device runs on it. */
    readonly used: boolean;
  }[];
  /** `node`, `onnxruntime-node`, `onnxruntime-common` versions. */
  readonly versions: Readonly<Record<string, string>>;
  /** `linux/x64` and the like. */
  readonly platform: string;
}

/**
 * Probes every device through the backend registry (each backend creates and runs a tiny
 * session on its execution provider) and reports what it found.
 */
export async function diagnoseDevices(): Promise<DeviceReport> {
  const devices: DeviceStatus[] = [];
  for (const device of AUTO_DEVICE_ORDER) {
    try {
      await resolveBackend([device]);
      devices.push({ device, usable: true });
    } catch (error) {
      if (!(error instanceof BackendResolutionError)) throw error;
      const failure = error.failures[0];
      devices.push({
        device,
        usable: false,
        reason: failure?.reason ?? error.message,
        ...(failure?.hint ? { hint: failure.hint } : {}),
      });
    }
  }
  const used = new Set<string>(AUTO_DEVICE_ORDER);
  return {
    devices,
    auto: devices.find((d) => d.usable)?.device ?? null,
    executionProviders: listedExecutionProviders().map((p) => ({ ...p, used: used.has(p.name) })),
    versions: nodeRuntimeVersions(),
    platform: `${process.platform}/${process.arch}`,
  };
}
