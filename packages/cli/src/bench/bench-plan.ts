import { InvalidOptionError } from '@yolokit/core';
import type { BenchOptions, BenchStrategy } from './bench-options.js';

/** A strategy with its instances: what one predictor is opened with. */
export interface BenchSetup {
  readonly strategy: BenchStrategy;
  /** Instances (threads, processes, or `yolokit worker` processes for `queue`); for `auto`, 0 until it has chosen. */
  readonly workers: number;
  /** Intra-op threads per instance; for `auto`, 0 until it has chosen. */
  readonly threadsPerWorker: number;
}

/** A workers × intra-op threads split of the machine, for the bare `session.run` baseline. */
export interface Parallelism {
  readonly workers: number;
  readonly threadsPerWorker: number;
}

/**
 * The setups a bench measures, in the order of `--strategies`.
 *
 * Without `--sweep`, one per strategy (per `--workers` count when it lists several), with the defaults of
 * `@yolokit/concurrency` (pools: one single-threaded worker per core; `locked`: one instance with every core) or
 * `--workers`/`--threads-per-worker`. `queue` is planned as `processes` is: its workers are `yolokit worker`
 * processes, each with one model instance of `threadsPerWorker` intra-op threads.
 * With `--sweep`, every workers × threads per worker whose product fits the cores (`locked`: 1 × every thread
 * count), narrowed to `--workers`/`--threads-per-worker` when they are given. `auto` is one setup: it chooses.
 */
export function planSetups(options: Pick<BenchOptions, 'strategies' | 'workers' | 'threadsPerWorker' | 'sweep'>, cores: number): BenchSetup[] {
  const setups: BenchSetup[] = [];
  const { workers, threadsPerWorker } = options;
  for (const strategy of options.strategies) {
    if (strategy === 'auto') {
      setups.push({ strategy, workers: 0, threadsPerWorker: 0 });
    } else if (strategy === 'locked') {
      const threads = options.sweep && threadsPerWorker === undefined ? range(cores) : [threadsPerWorker ?? cores];
      for (const t of threads) setups.push({ strategy, workers: 1, threadsPerWorker: t });
    } else if (options.sweep) {
      const fitting = sweepSplits(cores).filter((p) => (workers === undefined || workers.includes(p.workers)) && (threadsPerWorker === undefined || p.threadsPerWorker === threadsPerWorker));
      if (fitting.length === 0) {
        throw new InvalidOptionError(
          workers !== undefined ? '--workers' : '--threads-per-worker',
          `--sweep measures setups that fit this machine's ${cores} cores; --workers ${workers?.join(',') ?? 'any'} × --threads-per-worker ${threadsPerWorker ?? 'any'} leaves none`,
        );
      }
      for (const p of fitting) setups.push({ strategy, ...p });
    } else {
      // @yolokit/concurrency's own defaults, so that the bench measures what createPredictor gives.
      for (const w of workers ?? [undefined]) {
        const t = threadsPerWorker ?? (w ? Math.max(1, Math.floor(cores / w)) : 1);
        setups.push({ strategy, workers: w ?? Math.max(1, Math.floor(cores / t)), threadsPerWorker: t });
      }
    }
  }
  return setups;
}

/** Every workers × threads per worker with a product of at most `cores`, most workers first. */
export function sweepSplits(cores: number): Parallelism[] {
  const splits: Parallelism[] = [];
  for (let w = cores; w >= 1; w--) {
    for (let t = Math.floor(cores / w); t >= 1; t--) splits.push({ workers: w, threadsPerWorker: t });
  }
  return splits;
}

/** The label of a setup: `threads 2×1`. */
export function setupLabel(setup: BenchSetup | (Parallelism & { strategy: string })): string {
  return setup.workers > 0 ? `${setup.strategy} ${setup.workers}×${setup.threadsPerWorker}` : setup.strategy;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
