import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiteStageError } from '@litestage/errors';
import { encodeModel } from '@litestage/model/convert';
import * as ort from 'onnxruntime-node';
import type { NodeExecutionProvider } from './node-backend.js';

/** Whether one execution provider can run a model here, and if not, why and what to do. */
export type ExecutionProviderStatus =
  | { readonly provider: string; readonly usable: true }
  | {
      readonly provider: string;
      readonly usable: false;
      readonly reason: string;
      readonly hint: string;
    };

/** An execution provider that cannot run here: the probe's reason, with what to do about it. */
export class ExecutionProviderUnavailableError extends LiteStageError {
  override readonly name = 'ExecutionProviderUnavailableError';
  constructor(
    readonly provider: string,
    reason: string,
    hint: string,
  ) {
    super(reason, { hint });
  }
}

const ortPackageDir = dirname(
  createRequire(import.meta.url).resolve('onnxruntime-node/package.json'),
);

/** Where onnxruntime-node keeps its native libraries (and looks for the CUDA provider's). */
export const ORT_NODE_BIN_DIR = join(
  ortPackageDir,
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);

/** The libraries onnxruntime-node's install step adds for CUDA (not in the npm package). */
export const CUDA_PROVIDER_LIBRARIES = [
  'libonnxruntime_providers_shared.so',
  'libonnxruntime_providers_cuda.so',
] as const;

/**
 * `y = x W` with W = [[1, 2], [3, 4]]: small enough to build in microseconds, and it makes the
 * provider create a context, compile a kernel and copy data both ways.
 */
function probeModel(): Uint8Array {
  const weight = new Float32Array([1, 2, 3, 4]);
  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producerName: 'litestage-probe',
    producerVersion: '1',
    graph: {
      name: 'probe',
      nodes: [{ opType: 'MatMul', name: 'probe_matmul', inputs: ['x', 'w'], outputs: ['y'] }],
      initializers: [
        {
          name: 'w',
          type: 'float',
          dims: [2, 2],
          data: { kind: 'inline', bytes: new Uint8Array(weight.buffer) },
        },
      ],
      inputs: [{ name: 'x', type: 'float', shape: [1, 2] }],
      outputs: [{ name: 'y', type: 'float', shape: [1, 2] }],
    },
  });
}

const EXPECTED = [4, 6];

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}

/** onnxruntime's messages start with a source path; keep what it says, not where. */
function ortMessage(error: unknown): string {
  return firstLine(error).replace(/^\/\S+:\d+ \S+.*? was false\. /, '');
}

function cudaFailure(error: unknown): { reason: string; hint: string } {
  const missing = CUDA_PROVIDER_LIBRARIES.filter((f) => !existsSync(join(ORT_NODE_BIN_DIR, f)));
  if (missing.length > 0) {
    return {
      reason: `the CUDA provider libraries (${missing.join(', ')}) are not in ${ORT_NODE_BIN_DIR}: the onnxruntime-node npm package does not include them`,
      hint:
        `with network access run onnxruntime-node's install step, \`ONNXRUNTIME_NODE_INSTALL=cuda12 node ${join(ortPackageDir, 'script', 'install.js')}\` ` +
        `(it downloads Microsoft.ML.OnnxRuntime.Gpu.Linux ${ort.env.versions.common} from nuget.org), ` +
        `or copy ${CUDA_PROVIDER_LIBRARIES.join(' and ')} from that package's runtimes/linux-x64/native/ into ${ORT_NODE_BIN_DIR}; ` +
        'CUDA 12 and cuDNN 9 must be on the library path',
    };
  }
  return {
    reason: `the CUDA provider did not start: ${ortMessage(error)}`,
    hint: 'the provider libraries are installed; check that an NVIDIA driver is loaded (nvidia-smi) and that CUDA 12 and cuDNN 9 libraries are on LD_LIBRARY_PATH',
  };
}

function webgpuFailure(error: unknown): { reason: string; hint: string } {
  const message = ortMessage(error);
  return {
    reason: /adapter/i.test(message)
      ? `no WebGPU adapter found (${message})`
      : `the WebGPU provider did not start: ${message}`,
    hint:
      process.platform === 'linux'
        ? "onnxruntime-node's WebGPU runs on Vulkan: install libvulkan1 and the GPU's Vulkan driver (for correctness checks without a GPU, point VK_ICD_FILENAMES at Chromium's SwiftShader ICD, /usr/lib/chromium/vk_swiftshader_icd.json)"
        : 'the WebGPU provider needs a GPU with a D3D12, Metal or Vulkan driver',
  };
}

function failureOf(
  provider: NodeExecutionProvider,
  error: unknown,
): { reason: string; hint: string } {
  if (provider === 'cuda') return cudaFailure(error);
  if (provider === 'webgpu') return webgpuFailure(error);
  return {
    reason: `the CPU provider did not start: ${ortMessage(error)}`,
    hint: 'reinstall onnxruntime-node',
  };
}

/** What one probe session found: it ran and computed the product, or the error it raised. */
export type ProbeOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: string }
  | { readonly ok: false; readonly wrong: readonly number[] };

/** Creates and runs the probe model on `provider` in this process. */
export async function runProbeSession(provider: string): Promise<ProbeOutcome> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeModel(), {
      executionProviders: [provider],
      logSeverityLevel: 4,
    });
    const x = new ort.Tensor('float32', new Float32Array([1, 1]), [1, 2]);
    const { y } = await session.run({ x });
    const got = Array.from((y as ort.Tensor).data as Float32Array);
    if (got.length !== EXPECTED.length || got.some((v, i) => v !== EXPECTED[i])) {
      return { ok: false, wrong: got };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await session?.release();
  }
}

// The same path from src (tests) and dist (the built package): the built child script.
const PROBE_CHILD = fileURLToPath(
  new URL('../dist/execution-provider-probe-child.js', import.meta.url),
);

/**
 * Runs the probe session in a child process: a provider that cannot load logs to the
 * process's stderr from native code (and a broken driver may abort), so a GPU provider is
 * tried where neither reaches the caller. The CPU provider is probed in this process.
 */
function probeOutcome(provider: NodeExecutionProvider): Promise<ProbeOutcome> {
  if (provider === 'cpu') return runProbeSession(provider);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PROBE_CHILD, provider],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as ProbeOutcome);
        } catch {
          const detail = stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
          const how = error?.signal
            ? `was killed by ${error.signal}`
            : `exited with ${error?.code}`;
          resolve({
            ok: false,
            error: `the probe process ${how}${detail ? `: ${detail}` : ''}`,
          });
        }
      },
    );
  });
}

async function runProbe(provider: NodeExecutionProvider): Promise<ExecutionProviderStatus> {
  const listed = ort.listSupportedBackends().some((b) => b.name === provider);
  if (!listed) {
    return {
      provider,
      usable: false,
      reason: `onnxruntime-node ${ort.env.versions.node} has no ${provider} provider on ${process.platform}/${process.arch}`,
      hint: `use one of: ${ort
        .listSupportedBackends()
        .map((b) => b.name)
        .join(', ')}`,
    };
  }
  const outcome = await probeOutcome(provider);
  if (outcome.ok) return { provider, usable: true };
  if ('wrong' in outcome) {
    return {
      provider,
      usable: false,
      reason: `a ${provider} session computed [${outcome.wrong.join(', ')}] for a 2x2 product that is [${EXPECTED.join(', ')}]`,
      hint: `the ${provider} provider gives wrong results here: use another device`,
    };
  }
  return { provider, usable: false, ...failureOf(provider, outcome.error) };
}

const probes = new Map<NodeExecutionProvider, Promise<ExecutionProviderStatus>>();

/**
 * Whether `provider` runs here, found by creating and running a tiny session on it (not
 * guessed from the platform). The answer is remembered for the life of the process: a
 * provider that failed to load cannot be loaded again without restarting it.
 */
export function probeExecutionProvider(
  provider: NodeExecutionProvider,
): Promise<ExecutionProviderStatus> {
  let probe = probes.get(provider);
  if (!probe) {
    probe = runProbe(provider);
    probes.set(provider, probe);
  }
  return probe;
}
