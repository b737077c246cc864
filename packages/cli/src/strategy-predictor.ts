import { InvalidOptionError } from '@yolokit/core';
import type { BackendName, ModelSpec, PredictorFactory } from './image-predictor.js';

/** The strategies `yolokit predict --strategy` can choose, from `@yolokit/concurrency`. */
export const STRATEGY_NAMES = ['locked', 'threads', 'processes'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** The backends of `--backend`, as module specifiers a worker thread or process imports by itself. */
const BACKEND_MODULES: Readonly<Record<BackendName, { module: string; export: string }>> = {
  onnx: { module: '@yolokit/backend-onnx', export: 'onnx' },
  'onnx-web': { module: '@yolokit/backend-onnx/web', export: 'onnxWeb' },
  tfjs: { module: '@yolokit/backend-tfjs', export: 'tfjs' },
};

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

/**
 * The {@link PredictorFactory} for `--strategy S [--workers N] [--threads-per-worker K]`, or `undefined` when
 * no strategy is asked for (one model in this process). Flags are validated here; the pool's own option
 * validation (`@yolokit/concurrency`) still applies, and its messages are translated to flag names.
 */
export function strategyPredictorFromFlags(flags: StrategyFlags): PredictorFactory | undefined {
  const workers = positiveIntegerFlag(flags.workers, '--workers');
  const threadsPerWorker = positiveIntegerFlag(flags.threadsPerWorker, '--threads-per-worker');
  if (flags.strategy === undefined) {
    if (workers !== undefined || threadsPerWorker !== undefined || flags.allowOversubscribe) {
      const flag = workers !== undefined ? '--workers' : threadsPerWorker !== undefined ? '--threads-per-worker' : '--allow-oversubscribe';
      throw new InvalidOptionError(flag, `${flag} needs --strategy (${STRATEGY_NAMES.join(', ')})`);
    }
    return undefined;
  }
  const strategy = flags.strategy as StrategyName;
  if (!STRATEGY_NAMES.includes(strategy)) {
    throw new InvalidOptionError('--strategy', `--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got ${JSON.stringify(flags.strategy)}`);
  }
  if (workers !== undefined && strategy === 'locked') {
    throw new InvalidOptionError('--workers', '--workers applies to --strategy threads or processes; locked runs exactly one instance');
  }
  const allowOversubscribe = flags.allowOversubscribe === true;
  return (spec: ModelSpec) => createStrategyPredictor(spec, strategy, { workers, threadsPerWorker, allowOversubscribe });
}

async function createStrategyPredictor(
  spec: ModelSpec,
  strategy: StrategyName,
  { workers, threadsPerWorker, allowOversubscribe }: { workers?: number; threadsPerWorker?: number; allowOversubscribe: boolean },
) {
  let concurrency: typeof import('@yolokit/concurrency');
  try {
    concurrency = await import('@yolokit/concurrency');
  } catch (error) {
    throw new InvalidOptionError('--strategy', `--strategy needs @yolokit/concurrency: npm install @yolokit/concurrency (${(error as Error).message})`);
  }
  // The library's own bound, named by flags. A flag left out counts as 1: its default never exceeds the bound.
  if (!allowOversubscribe) concurrency.checkThreadBudget(workers ?? 1, threadsPerWorker ?? 1, undefined, BUDGET_FLAGS);
  const predictor = await concurrency.createPredictor({
    strategy,
    model: { backend: BACKEND_MODULES[spec.backend], model: spec.model },
    ...(workers === undefined ? {} : { workers }),
    ...(threadsPerWorker === undefined ? {} : { threadsPerWorker }),
    ...(allowOversubscribe ? { allowOversubscribe } : {}),
    // The locked instance runs off the main thread, so the progress bar and output keep moving.
    ...(strategy === 'locked' ? { offMainThread: true } : {}),
  });
  const info = predictor.info;
  if (!info) throw new Error('the predictor reported no model info');
  return {
    info,
    // Keep every worker busy with one more image queued behind it.
    concurrency: Math.max(1, predictor.stats().concurrency * 2),
    predict: (image: string, options: Parameters<typeof predictor.predict>[1]) => predictor.predict(image, options),
    close: () => predictor.close(),
  };
}

function positiveIntegerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidOptionError(flag, `${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}
