import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '@litestage/search';
import { rawDecodeLoop } from './raw-loop.js';

/** One kind of kernel in a decode step, as onnxruntime's profiler timed it. */
export interface KernelShare {
  readonly op: string;
  /** For matrix products: the input and output widths, which tell projections apart. */
  readonly inputs?: number;
  readonly width?: number;
  /** Kernels of this kind run per step. */
  readonly count: number;
  /** Their time per step, in milliseconds (median over the profiled steps). */
  readonly ms: number;
}

interface ProfileEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly dur?: number;
  readonly args?: {
    readonly op_name?: string;
    readonly input_type_shape?: readonly Record<string, readonly number[]>[];
    readonly output_type_shape?: readonly Record<string, readonly number[]>[];
  };
}

/** The last dimension of a kernel's first input or output, as the profiler records it. */
function lastDim(
  args: ProfileEvent['args'],
  key: 'input_type_shape' | 'output_type_shape',
): number {
  const shape: readonly number[] = Object.values(args?.[key]?.[0] ?? {})[0] ?? [];
  return shape[shape.length - 1] as number;
}

/** A kernel's kind: its op, and for `MatMulNBits` / `MatMul` / `Gemm` its widths. */
function kernelOf(event: ProfileEvent): Pick<KernelShare, 'op' | 'inputs' | 'width'> {
  const op = event.args?.op_name ?? 'unknown';
  if (!/^(MatMulNBits|MatMul|Gemm)$/.test(op)) return { op };
  return {
    op,
    inputs: lastDim(event.args, 'input_type_shape'),
    width: lastDim(event.args, 'output_type_shape'),
  };
}

/**
 * Where a decode step's time goes: `steps` steps of the bundle's graph after `context`,
 * driven by a bare onnxruntime loop with its profiler on, the kernels' time per step by kind
 * (an `If` gate's own time left out: its branch's kernels are counted), and the step's own
 * time (`model_run`) beside their sum. Profiling slows a step a little;
 * the shares are what count.
 */
export async function profileDecode(
  bundle: string,
  options: {
    readonly context: readonly number[];
    readonly threads: number;
    readonly steps: number;
    readonly graph?: 'gated' | 'plain';
  },
): Promise<{ stepMs: number; kernels: KernelShare[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'litestage-profile-'));
  try {
    const loop = await rawDecodeLoop(bundle, { ...options, profilePrefix: join(dir, 'run') });
    for (let i = 0; i < options.steps + 2; i++) await loop.step();
    loop.endProfiling();
    await loop.release();
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as ProfileEvent[];
    const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
    // The prefill and two warm-up steps are the first runs; the rest are the timed steps.
    const skipped = runs.length - options.steps;
    const runStarts = runs.map((e) => (e as { ts?: number }).ts ?? 0);
    const firstTimed = runStarts[skipped] ?? 0;
    const perStep = new Map<
      string,
      { kind: ReturnType<typeof kernelOf>; count: number; us: number[] }
    >();
    let step = -1;
    let nextStart = firstTimed;
    for (const e of events) {
      const ts = (e as { ts?: number }).ts ?? 0;
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || ts < firstTimed) continue;
      // An `If` gate's time is its branch's kernels, counted on their own.
      if (e.args?.op_name === 'If') continue;
      while (ts >= nextStart && step < options.steps - 1) {
        step++;
        nextStart = runStarts[skipped + step + 1] ?? Number.POSITIVE_INFINITY;
      }
      const kind = kernelOf(e);
      const key = `${kind.op}|${kind.inputs}|${kind.width}`;
      const entry = perStep.get(key) ?? { kind, count: 0, us: Array(options.steps).fill(0) };
      if (step === 0) entry.count++;
      entry.us[step] = (entry.us[step] ?? 0) + (e.dur ?? 0);
      perStep.set(key, entry);
    }
    const kernels = [...perStep.values()]
      .map(({ kind, count, us }) => ({ ...kind, count, ms: median(us) / 1000 }))
      .sort((a, b) => b.ms - a.ms);
    const stepMs = median(runs.slice(skipped).map((e) => (e.dur ?? 0) / 1000));
    return { stepMs, kernels };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
