import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { AbortError, describeValue, type ImageInput, InvalidOptionError, type ModelInfo, type PredictOptions, type Result } from '@yolokit/core';
import { AsyncLock } from './async-lock.js';
import { type AutoOptions, createAutoPredictor } from './auto-strategy.js';
import type { Executor, WorkerInfo } from './executor.js';
import { InThreadExecutor, type PredictTarget } from './in-thread-executor.js';
import { isModelSpec, loadModelFromSpec, type ModelSpec, threadsOfSpec, validateModelSpec, withThreads } from './model-spec.js';
import { ProcessExecutor } from './process-executor.js';
import { Scheduler, type SchedulerStats } from './scheduler.js';
import { checkThreadBudget } from './thread-budget.js';
import { ThreadExecutor } from './thread-executor.js';

/**
 * How a predictor runs its model(s):
 * - `threads`: an instance per worker thread, `workers` of them, each loaded once and kept warm.
 * - `locked`: one shared instance, calls serialised by a FIFO {@link AsyncLock} (in this thread, or with
 *   `offMainThread` in one worker thread).
 * - `processes`: an instance per child process; a process that dies is replaced.
 * - `unsafe-shared`: one instance, no lock at all. For teaching and tests only: it is exactly the sharing that
 *   Ultralytics' thread-safety guide warns about.
 */
export type Strategy = 'locked' | 'threads' | 'processes' | 'unsafe-shared';

export const STRATEGIES: readonly Strategy[] = Object.freeze(['locked', 'threads', 'processes', 'unsafe-shared']);

/** Options of {@link createPredictor}. */
export interface PredictorOptions {
  /**
   * See {@link Strategy}. `'auto'` measures a short sweep of pool setups (`threads` and `processes`, workers ×
   * intra-op threads that use every core) on {@link AutoOptions.images} and opens the fastest; the predictor then
   * reports the pool it chose (`strategy`, `stats().workers`, `stats().threadsPerWorker`). It needs a model spec
   * and chooses `workers` and `threadsPerWorker` itself.
   */
  readonly strategy: Strategy | 'auto';
  /** Options of the short sweep of `strategy: 'auto'`. */
  readonly auto?: AutoOptions;
  /**
   * The model as a {@link ModelSpec} (any strategy), or, for `locked` and `unsafe-shared` in this thread, a live
   * model (a `YoloModel` or anything with `predict(image, options)`), which the predictor then does not dispose.
   */
  readonly model: ModelSpec | PredictTarget;
  /**
   * Worker threads or processes (`threads`, `processes` only).
   * @defaultValue `floor(cores / threadsPerWorker)`, at least 1
   */
  readonly workers?: number;
  /**
   * Intra-op threads of each instance's runtime, set through the spec's backend thread option (see
   * `BackendSpec.threadsOption`) unless the spec already sets it.
   * @defaultValue `threads`/`processes`: `floor(cores / workers)` (1 when `workers` is not given either), so
   * workers × threadsPerWorker ≤ cores; one-instance strategies: `cores`
   */
  readonly threadsPerWorker?: number;
  /**
   * Allow more than 4 runtime threads per core (`THREADS_PER_CORE_LIMIT`): without it, `workers ×
   * threadsPerWorker` above 4 × cores is an `InvalidOptionError` (code `INVALID_OPTION`) naming the limit, so that
   * a typo such as `workers: 10000` fails at once instead of starting ten thousand models.
   * @defaultValue false
   */
  readonly allowOversubscribe?: boolean;
  /**
   * Most tasks that may wait for a worker; one more rejects at once with `QueueFullError` (code `QUEUE_FULL`).
   * `0` means no waiting at all.
   * @defaultValue 1024
   */
  readonly maxQueue?: number;
  /**
   * Most milliseconds from submission to result; past it the task rejects with `TaskTimeoutError` (code
   * `TIMEOUT`) and its worker is told to stop at its next stage.
   * @defaultValue Infinity
   */
  readonly taskTimeoutMs?: number;
  /**
   * Run a task once more on another worker when its worker dies under it, instead of rejecting it with
   * `WorkerDiedError` (code `WORKER_DIED`).
   * @defaultValue false
   */
  readonly retryOnWorkerDeath?: boolean;
  /**
   * `locked` only: run the one instance in a worker thread, so inference (which blocks the thread it runs on
   * with onnxruntime-node) never blocks this event loop.
   * @defaultValue false
   */
  readonly offMainThread?: boolean;
  /**
   * `threads`: move image bytes (`Uint8Array`, `ArrayBuffer`, raw pixels) to the worker instead of copying them.
   * The caller's buffer is detached afterwards. Views that do not cover their whole buffer are always copied.
   * @defaultValue true
   */
  readonly transferImages?: boolean;
  /**
   * `locked` in this thread: the lock to serialise on, to share it with other code that uses the same model.
   * @defaultValue a new lock
   */
  readonly lock?: AsyncLock;
}

/** Per-call options of {@link Predictor.predict}. */
export interface PredictCallOptions {
  /** Cancels the task: a queued task leaves the queue, a running one is told to stop (code `ABORTED`). */
  readonly signal?: AbortSignal;
}

/** Progress of {@link Predictor.predictMany}. */
export interface PredictProgress {
  readonly completed: number;
  readonly total: number;
  /** Input index of the image that just finished. */
  readonly index: number;
  readonly result: Result;
}

/** Per-call options of {@link Predictor.predictMany}. */
export interface PredictManyOptions extends PredictCallOptions {
  /** Called once per finished image, in completion order. */
  readonly onProgress?: (progress: PredictProgress) => void;
}

/** What {@link Predictor.stats} reports. */
export interface PredictorStats extends SchedulerStats {
  readonly strategy: Strategy;
  /** The threads or processes running models now. */
  readonly workers: readonly WorkerInfo[];
  /** Tasks that may run at once. */
  readonly concurrency: number;
  /** Intra-op threads given to each instance's runtime, when the backend has a thread option. */
  readonly threadsPerWorker: number | undefined;
}

/**
 * One promise API over every strategy.
 *
 * @example
 * ```ts
 * import { createPredictor } from '@yolokit/concurrency';
 *
 * await using predictor = await createPredictor({
 *   strategy: 'threads',
 *   model: { backend: { module: '@yolokit/backend-onnx', export: 'onnx' }, model: 'yolov8n.onnx' },
 * });
 * const results = await predictor.predictMany(['a.jpg', 'b.jpg'], { conf: 0.4 });
 * console.log(results.map((r) => r.detections.length), predictor.stats().runTimeMs.p50);
 * ```
 */
export interface Predictor extends AsyncDisposable {
  readonly strategy: Strategy;
  /**
   * The model's facts (runtime, input size, class names, ...), as the first worker reported them; `undefined`
   * only for a live model without `info`.
   */
  readonly info: ModelInfo | undefined;
  /** Detects objects in one image. Prediction options as in `YoloModel.predict`. */
  predict(image: ImageInput, options?: PredictOptions, call?: PredictCallOptions): Promise<Result>;
  /**
   * Detects objects in many images, keeping every worker busy without overfilling the queue; results in input
   * order. Rejects with the first failure and cancels the rest; use `predict` with `Promise.allSettled` to
   * keep partial results.
   */
  predictMany(images: Iterable<ImageInput>, options?: PredictOptions, call?: PredictManyOptions): Promise<Result[]>;
  stats(): PredictorStats;
  /**
   * Stops taking tasks and releases every thread, process and model of this predictor. Waits for queued and
   * running tasks to finish, or with `{ abort: true }` rejects them with `PredictorClosedError` (code `CLOSED`)
   * and stops workers at once. Idempotent.
   */
  close(options?: { abort?: boolean }): Promise<void>;
}

const KNOWN_OPTIONS = new Set([
  'strategy',
  'model',
  'workers',
  'threadsPerWorker',
  'allowOversubscribe',
  'maxQueue',
  'taskTimeoutMs',
  'retryOnWorkerDeath',
  'offMainThread',
  'transferImages',
  'lock',
]);

/** Options with every default applied. */
interface ResolvedOptions {
  readonly strategy: Strategy;
  readonly spec: ModelSpec | undefined;
  readonly target: PredictTarget | undefined;
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly maxQueue: number;
  readonly taskTimeoutMs: number;
  readonly retryOnWorkerDeath: boolean;
  readonly offMainThread: boolean;
  readonly transferImages: boolean;
  readonly lock: AsyncLock | undefined;
}

/**
 * Validates predictor options and applies defaults. Every problem is an `InvalidOptionError` naming the
 * option and the value it got.
 */
export function resolvePredictorOptions(options: unknown, cores = availableParallelism()): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('options', `createPredictor(options): options must be an object { strategy, model, ... }, got ${describeValue(options)}`);
  }
  const o = options as Record<string, unknown>;
  if (o.auto !== undefined && o.strategy !== 'auto') {
    throw new InvalidOptionError('options.auto', `options.auto applies to strategy 'auto' only, got strategy ${describeValue(o.strategy)}`);
  }
  for (const key of Object.keys(o)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidOptionError(`options.${key}`, `options.${key} is not a predictor option; known options: ${[...KNOWN_OPTIONS].join(', ')}`);
    }
  }
  const strategy = o.strategy;
  if (!STRATEGIES.includes(strategy as Strategy)) {
    throw new InvalidOptionError('options.strategy', `options.strategy must be one of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${describeValue(strategy)}`);
  }
  const s = strategy as Strategy;
  const pooled = s === 'threads' || s === 'processes';
  const offMainThread = booleanOption(o, 'offMainThread', false);
  if (o.offMainThread !== undefined && s !== 'locked') {
    throw new InvalidOptionError('options.offMainThread', `options.offMainThread applies to strategy 'locked' only; '${s}' ${pooled ? 'already runs off the main thread' : 'runs in this thread by definition'}`);
  }
  const inThread = (s === 'locked' && !offMainThread) || s === 'unsafe-shared';

  if (o.model === undefined || o.model === null) {
    throw new InvalidOptionError('options.model', `options.model is required: a model spec { backend: { module, export?, options? }, model }${inThread ? ' or a loaded model' : ''}`);
  }
  let spec: ModelSpec | undefined;
  let target: PredictTarget | undefined;
  if (isModelSpec(o.model)) {
    validateModelSpec(o.model, 'options.model');
    spec = o.model;
  } else if (typeof (o.model as PredictTarget).predict === 'function') {
    if (!inThread) {
      throw new InvalidOptionError(
        'options.model',
        `options.model must be a model spec for strategy '${s}'${s === 'locked' ? ' with offMainThread' : ''}: a loaded model cannot cross to another thread or process; give { backend: { module, export, options }, model } instead`,
      );
    }
    target = o.model as PredictTarget;
  } else {
    validateModelSpec(o.model, 'options.model');
  }

  if (o.workers !== undefined) {
    positiveInteger(o.workers, 'options.workers');
    if (!pooled) {
      throw new InvalidOptionError('options.workers', `options.workers applies to strategies 'threads' and 'processes' only; '${s}' runs exactly one instance`);
    }
  }
  if (o.threadsPerWorker !== undefined) {
    positiveInteger(o.threadsPerWorker, 'options.threadsPerWorker');
    if (target) {
      throw new InvalidOptionError('options.threadsPerWorker', 'options.threadsPerWorker needs a model spec: the threads of an already loaded model cannot be changed');
    }
  }
  const maxQueue = o.maxQueue ?? 1024;
  if (typeof maxQueue !== 'number' || !(Number.isInteger(maxQueue) || maxQueue === Number.POSITIVE_INFINITY) || maxQueue < 0) {
    throw new InvalidOptionError('options.maxQueue', `options.maxQueue must be a non-negative integer or Infinity, got ${describeValue(maxQueue)}`);
  }
  const taskTimeoutMs = o.taskTimeoutMs ?? Number.POSITIVE_INFINITY;
  if (typeof taskTimeoutMs !== 'number' || Number.isNaN(taskTimeoutMs) || taskTimeoutMs <= 0 || (Number.isFinite(taskTimeoutMs) && taskTimeoutMs > 2 ** 31 - 1)) {
    throw new InvalidOptionError('options.taskTimeoutMs', `options.taskTimeoutMs must be a positive number of milliseconds up to 2147483647, or Infinity, got ${describeValue(taskTimeoutMs)}`);
  }
  const retryOnWorkerDeath = booleanOption(o, 'retryOnWorkerDeath', false);
  const transferImages = booleanOption(o, 'transferImages', true);
  if (o.lock !== undefined) {
    if (!(o.lock instanceof AsyncLock)) throw new InvalidOptionError('options.lock', `options.lock must be an AsyncLock, got ${describeValue(o.lock)}`);
    if (!(s === 'locked' && !offMainThread)) {
      throw new InvalidOptionError('options.lock', `options.lock applies to strategy 'locked' in this thread only (the lock cannot guard a model in another thread)`);
    }
  }

  let workers: number;
  let threadsPerWorker: number;
  if (pooled) {
    const w = o.workers as number | undefined;
    const t = o.threadsPerWorker as number | undefined;
    threadsPerWorker = t ?? (w ? Math.max(1, Math.floor(cores / w)) : 1);
    workers = w ?? Math.max(1, Math.floor(cores / threadsPerWorker));
  } else {
    workers = 1;
    threadsPerWorker = (o.threadsPerWorker as number | undefined) ?? cores;
  }
  if (!booleanOption(o, 'allowOversubscribe', false)) checkThreadBudget(workers, threadsPerWorker, cores);
  return {
    strategy: s,
    spec,
    target,
    workers,
    threadsPerWorker,
    maxQueue,
    taskTimeoutMs,
    retryOnWorkerDeath,
    offMainThread,
    transferImages,
    lock: o.lock as AsyncLock | undefined,
  };
}

/**
 * Creates a {@link Predictor}: loads the model in every worker (so the first prediction is warm) and resolves
 * when all are ready. A model that fails to load rejects with its typed error (such as `ModelLoadError`,
 * code `MODEL_NOT_FOUND`) after every thread or process it started has been stopped.
 *
 * @example
 * ```ts
 * import { createPredictor } from '@yolokit/concurrency';
 *
 * const predictor = await createPredictor({
 *   strategy: 'processes',
 *   workers: 2,
 *   model: { backend: { module: '@yolokit/backend-onnx', export: 'onnx' }, model: 'yolov8n.onnx' },
 *   maxQueue: 64,
 *   taskTimeoutMs: 10_000,
 *   retryOnWorkerDeath: true,
 * });
 * try {
 *   const result = await predictor.predict('bus.jpg', { conf: 0.4 }, { signal: AbortSignal.timeout(5_000) });
 *   console.log(result.detections.length);
 * } finally {
 *   await predictor.close();
 * }
 * ```
 */
export async function createPredictor(options: PredictorOptions): Promise<Predictor> {
  if (options?.strategy === 'auto') return createAutoPredictor(options, createPredictor);
  const resolved = resolvePredictorOptions(options);
  const spec = resolved.spec ? withThreads(resolved.spec, resolved.threadsPerWorker) : undefined;
  const executor = executorFor(resolved, spec);
  await executor.start();
  return new PoolPredictor(resolved, executor, spec ? threadsOfSpec(spec) : undefined);
}

function executorFor(resolved: ResolvedOptions, spec: ModelSpec | undefined): Executor {
  switch (resolved.strategy) {
    case 'threads':
      return new ThreadExecutor({ spec: spec!, workers: resolved.workers, transferImages: resolved.transferImages });
    case 'processes':
      return new ProcessExecutor({ spec: spec!, workers: resolved.workers });
    case 'locked':
      if (resolved.offMainThread) {
        // One worker thread running one task at a time is the lock, and the main thread stays free.
        return new ThreadExecutor({ spec: spec!, workers: 1, transferImages: resolved.transferImages });
      }
      return new InThreadExecutor({
        load: () => (resolved.target ? Promise.resolve(resolved.target) : loadModelFromSpec(spec!)),
        lock: resolved.lock ?? new AsyncLock(),
        concurrency: 1,
        owned: resolved.target === undefined,
      });
    case 'unsafe-shared':
      return new InThreadExecutor({
        load: () => (resolved.target ? Promise.resolve(resolved.target) : loadModelFromSpec(spec!)),
        lock: undefined,
        concurrency: Number.POSITIVE_INFINITY,
        owned: resolved.target === undefined,
      });
  }
}

class PoolPredictor implements Predictor {
  readonly strategy: Strategy;
  readonly info: ModelInfo | undefined;
  readonly #scheduler: Scheduler;
  readonly #executor: Executor;
  readonly #threadsPerWorker: number | undefined;
  readonly #maxQueue: number;
  #closing: Promise<void> | undefined;

  constructor(resolved: ResolvedOptions, executor: Executor, threadsPerWorker: number | undefined) {
    this.strategy = resolved.strategy;
    this.#executor = executor;
    this.info = executor.info();
    this.#threadsPerWorker = threadsPerWorker;
    this.#maxQueue = resolved.maxQueue;
    this.#scheduler = new Scheduler(executor, {
      maxQueue: resolved.maxQueue,
      taskTimeoutMs: resolved.taskTimeoutMs,
      retryOnWorkerDeath: resolved.retryOnWorkerDeath,
    });
  }

  predict(image: ImageInput, options?: PredictOptions, call?: PredictCallOptions): Promise<Result> {
    return this.#scheduler.submit(image, options, call?.signal);
  }

  async predictMany(images: Iterable<ImageInput>, options?: PredictOptions, call: PredictManyOptions = {}): Promise<Result[]> {
    const list = [...images];
    const results: Result[] = new Array(list.length);
    if (list.length === 0) return results;
    const stop = new AbortController();
    const signals = [stop.signal, call.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    // One listener per task in flight on this internal signal is expected, not a leak.
    setMaxListeners(0, signal);
    // Enough in flight to keep every worker busy plus one waiting each, never more than the queue allows.
    const concurrency = this.#executor.concurrency;
    const window = Math.max(1, Number.isFinite(concurrency) ? concurrency + Math.min(concurrency, this.#maxQueue) : 16);
    let next = 0;
    let completed = 0;
    let failure: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      while (next < list.length && !failure) {
        const index = next++;
        try {
          // Wait for room rather than trip QUEUE_FULL when other callers share the queue.
          const result = await this.#scheduler.submitWhenRoom(list[index], options, signal);
          results[index] = result;
          completed += 1;
          call.onProgress?.({ completed, total: list.length, index, result });
        } catch (error) {
          if (!failure) {
            failure = { error };
            stop.abort(new AbortError('another image of this predictMany() call failed'));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, list.length) }, lane));
    if (failure) throw failure.error;
    return results;
  }

  stats(): PredictorStats {
    return {
      strategy: this.strategy,
      ...this.#scheduler.stats(),
      workers: this.#executor.workers(),
      concurrency: this.#executor.concurrency,
      threadsPerWorker: this.#threadsPerWorker,
    };
  }

  close(options: { abort?: boolean } = {}): Promise<void> {
    if (options.abort !== undefined && typeof options.abort !== 'boolean') {
      return Promise.reject(new InvalidOptionError('options.abort', `close(options): options.abort must be a boolean, got ${describeValue(options.abort)}`));
    }
    this.#closing ??= this.#scheduler.close(options.abort ? 'abort' : 'drain');
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function positiveInteger(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(name, `${name} must be a positive integer, got ${describeValue(value)}`);
  }
}

function booleanOption(o: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = o[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(`options.${key}`, `options.${key} must be a boolean, got ${describeValue(value)}`);
  return value;
}
