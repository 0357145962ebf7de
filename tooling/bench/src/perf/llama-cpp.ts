import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';

/** One llama-bench result: a model at a thread count, prompt or generation. */
export interface LlamaBenchRow {
  readonly model: string;
  readonly type: string;
  readonly threads: number;
  readonly test: 'prompt 128' | 'decode 64';
  readonly tokensPerSecond: number;
  readonly stddev: number;
  readonly bytes: number;
  readonly commit: string;
}

/**
 * Runs a llama.cpp `llama-bench` the user built (never part of this repository) on GGUF
 * files of the same shape: a 128-token prompt and 64 decoded tokens on 1 and 2 threads,
 * three repetitions each.
 */
export function runLlamaBench(bin: string, models: readonly string[]): LlamaBenchRow[] {
  const rows: LlamaBenchRow[] = [];
  for (const model of models) {
    const run = spawnSync(
      bin,
      ['-m', model, '-p', '128', '-n', '64', '-t', '1,2', '-r', '3', '-o', 'json'],
      {
        encoding: 'utf8',
        maxBuffer: 16 * 2 ** 20,
      },
    );
    if (run.status !== 0) throw new Error(`${bin} -m ${model} failed: ${run.stderr.slice(-2000)}`);
    const results = JSON.parse(run.stdout) as {
      n_threads: number;
      n_prompt: number;
      n_gen: number;
      avg_ts: number;
      stddev_ts: number;
      model_type: string;
      model_size: number;
      build_commit: string;
    }[];
    for (const r of results) {
      rows.push({
        model: basename(model),
        type: r.model_type,
        threads: r.n_threads,
        test: r.n_prompt > 0 ? 'prompt 128' : 'decode 64',
        tokensPerSecond: r.avg_ts,
        stddev: r.stddev_ts,
        bytes: r.model_size,
        commit: r.build_commit,
      });
    }
  }
  return rows;
}
