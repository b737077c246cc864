import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '@yolokit/core';
import { oneOf } from '@yolokit/core/internal';
import { backendSpecOf } from './backend-spec-of.js';
import { createInProcessPredictor, type ImagePredictor, type ModelSpec, type PredictorFactory, type RunSetup } from './image-predictor.js';
import { positiveIntegerFlag } from './flag-values.js';

/** The strategies `yolokit predict --strategy` can choose, from `@yolokit/concurrency`. */
export const STRATEGY_NAMES = ['locked', 'threads', 'processes', 'auto'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/**
 * The pool `yolokit predict` uses for more than one image when no `--strategy` is given: one single-threaded
 * worker thread per core. Measured on this project's 2-core machine with 96 COCO images and yolov8n_int8
 * (`node bench/cli-predict-defaults.mjs`, see bench/README.md): one model in the process used about one core
 * (issue 16: 8.9 s wall for 9.0 CPU s, against 4.7 s with two worker threads; onnxruntime's intra-op threads
 * idle while sharp decodes and the output is decoded); a pool of one worker per core can keep both busy, for
 * about one more CPU second (a second model). While other work loaded the machine (load average 6 to 20 on 2
 * cores) the pool took 0.62 to 1.14 times the former default's wall time: with no idle core to use, its extra
 * CPU second shows. On the idle machine it took 5.0 s against 7.7 s (0.64×, CPU s / wall s 1.81 against 1.01). `auto` was not made the default: its sweep (two pools × every split of
 * the cores, three rounds) took 60 to 245 s and 28 to 44 CPU s here, more than the run itself, and chose 2 × 1
 * in 4 of 5 runs (threads or processes; 1 × 2 once).
 */
export const DEFAULT_POOL = 'threads' as const;

/** How many images `auto` measures its sweep on, taken from the run's own images. */
const AUTO_SAMPLE = 4;

/** The flags that choose a strategy, as typed on the command line. */
export interface StrategyFlags {
  readonly strategy?: string;
  readonly workers?: string;
  readonly threadsPerWorker?: string;
  /** `--allow-oversubscribe`: more than 4 runtime threads per core (workers × threads per worker). */
  readonly allowOversubscribe?: boolean;
}

/** How the thread budget's message names its settings on the command line. */
const BUDGET_FLAGS = { workers: '--workers', threadsPerWorker: '--threads-per-worker', override: '--allow-oversubscribe' } as const;

/** The settings of a pool, as the flags gave them (`undefined`: the default). */
interface PoolSettings {
  readonly workers?: number;
  readonly threadsPerWorker?: number;
  readonly allowOversubscribe: boolean;
}

/**
 * The {@link PredictorFactory} for `--strategy S [--workers N] [--threads-per-worker K]`. Flags are validated
 * here; the pool's own option validation (`@yolokit/concurrency`) still applies, and its messages are
 * translated to flag names.
 *
 * Without `--strategy` the machine's cores are used (see {@link machinePredictor}): more than one image runs on
 * a `threads` pool with one single-threaded worker per core, one image on one model whose runtime spreads each
 * operator over every core. `--workers`, `--threads-per-worker` and `--allow-oversubscribe` then shape that
 * default.
 */
export function strategyPredictorFromFlags(flags: StrategyFlags): PredictorFactory {
  const workers = positiveIntegerFlag(flags.workers, '--workers');
  const threadsPerWorker = positiveIntegerFlag(flags.threadsPerWorker, '--threads-per-worker');
  const allowOversubscribe = flags.allowOversubscribe === true;
  if (flags.strategy === undefined) return machinePredictor({ workers, threadsPerWorker, allowOversubscribe });
  const strategy = oneOf(flags.strategy, '--strategy', STRATEGY_NAMES) as StrategyName; // given: checked above
  if (workers !== undefined && strategy === 'locked') {
    throw new InvalidOptionError('--workers', '--workers applies to --strategy threads or processes; locked runs exactly one instance');
  }
  if (strategy === 'auto' && (workers !== undefined || threadsPerWorker !== undefined)) {
    const flag = workers !== undefined ? '--workers' : '--threads-per-worker';
    throw new InvalidOptionError(flag, `${flag} does not apply to --strategy auto, which measures the splits of the cores and chooses one itself`);
  }
  return (spec, plan) => createStrategyPredictor(spec, strategy, { workers, threadsPerWorker, allowOversubscribe }, 'flags', plan?.sample);
}

/**
 * The default {@link PredictorFactory} of `yolokit predict`: it uses the machine. For more than one image, a
 * {@link DEFAULT_POOL} pool of one single-threaded worker per core (`--workers`/`--threads-per-worker` change
 * the split); for one image, one model in this thread with one intra-op thread per core
 * (`--threads-per-worker` changes it), since a pool cannot make one image faster. Both stay within
 * `@yolokit/concurrency`'s bound of 4 runtime threads per core unless `allowOversubscribe`. Without
 * `@yolokit/concurrency` installed, one model runs in this process with the runtime's default threads.
 */
export function machinePredictor(settings: PoolSettings = { allowOversubscribe: false }): PredictorFactory {
  return async (spec, plan) => {
    const many = (plan?.images ?? 2) > 1 || settings.workers !== undefined;
    let concurrency: typeof import('@yolokit/concurrency') | undefined;
    try {
      concurrency = await import('@yolokit/concurrency');
    } catch {
      concurrency = undefined;
    }
    if (!concurrency) {
      const predictor = await createInProcessPredictor(spec);
      return { ...predictor, setup: { strategy: 'in-process', workers: 1, threadsPerWorker: null, chosenBy: 'default' } };
    }
    if (many) return createStrategyPredictor(spec, DEFAULT_POOL, settings, 'default', plan?.sample, concurrency);
    // One image: `locked` in this thread is one model; the library gives it one intra-op thread per core.
    return createStrategyPredictor(spec, 'locked', { ...settings, inThisThread: true }, 'default', undefined, concurrency);
  };
}

async function createStrategyPredictor(
  spec: ModelSpec,
  strategy: StrategyName,
  settings: PoolSettings & { inThisThread?: boolean },
  chosenBy: RunSetup['chosenBy'],
  sample: readonly string[] | undefined,
  loaded?: typeof import('@yolokit/concurrency'),
): Promise<ImagePredictor> {
  const { workers, threadsPerWorker, allowOversubscribe } = settings;
  let concurrency = loaded;
  if (!concurrency) {
    try {
      concurrency = await import('@yolokit/concurrency');
    } catch (error) {
      throw new InvalidOptionError('--strategy', `--strategy needs @yolokit/concurrency: npm install @yolokit/concurrency (${(error as Error).message})`);
    }
  }
  // The library's own bound, named by flags. A flag left out counts as 1: its default never exceeds the bound.
  if (!allowOversubscribe) concurrency.checkThreadBudget(workers ?? 1, threadsPerWorker ?? 1, undefined, BUDGET_FLAGS);
  const predictor = await concurrency.createPredictor({
    strategy,
    model: { backend: backendSpecOf(spec.backend), model: spec.model },
    ...(workers === undefined ? {} : { workers }),
    ...(threadsPerWorker === undefined ? {} : { threadsPerWorker }),
    ...(allowOversubscribe ? { allowOversubscribe } : {}),
    // The locked instance runs off the main thread, so the progress bar and output keep moving; one image
    // (the default's `inThisThread`) has no bar to keep moving and saves a worker's start-up.
    ...(strategy === 'locked' && !settings.inThisThread ? { offMainThread: true } : {}),
    // `auto` measures on the run's own first images: their decoding is part of what it chooses for.
    ...(strategy === 'auto' && sample && sample.length > 0 ? { auto: { images: sample.slice(0, AUTO_SAMPLE) } } : {}),
  });
  const info = predictor.info;
  if (!info) {
    await predictor.close();
    throw new Error('the predictor reported no model info');
  }
  const stats = predictor.stats();
  return {
    info,
    // Keep every worker busy with one more image queued behind it.
    concurrency: Math.max(1, stats.concurrency * 2),
    setup: {
      strategy: stats.strategy === 'locked' && settings.inThisThread ? 'in-process' : stats.strategy,
      workers: Math.max(1, stats.workers.length),
      threadsPerWorker: stats.threadsPerWorker ?? null,
      chosenBy,
    },
    predict: (image, options) => predictor.predict(image, options),
    close: () => predictor.close(),
  };
}

/** The cores the defaults are sized to, for the summary line. */
export function machineCores(): number {
  return availableParallelism();
}
