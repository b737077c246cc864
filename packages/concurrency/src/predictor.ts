import { availableParallelism } from 'node:os';
import { describeValue, type ImageInput, InvalidOptionError, type ModelInfo, type PredictOptions, type Result } from '@yolokit/core';
import { booleanOption, countOrInfinity, milliseconds, oneOf, optionsObject, positiveInteger, rejectUnknown, required } from '@yolokit/core/internal';
import { AsyncLock } from './async-lock.js';
import { type AutoOptions, createAutoPredictor } from './auto-strategy.js';
import type { Executor, WorkerInfo } from './executor.js';
import { InThreadExecutor, type PredictTarget } from './in-thread-executor.js';
import { isModelSpec, loadModelFromSpec, type ModelSpec, threadsOfSpec, validateModelSpec, withThreads } from './model-spec.js';
import { type PredictProgress, predictInLanes } from './predict-many.js';
import { ProcessExecutor } from './process-executor.js';
import { openQueueStrategy, type QueueStrategyOptions } from './queue-strategy.js';
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
 * - `queue`: jobs in a BullMQ queue on Redis, run by queue workers on any machine (`@yolokit/queue`, loaded
 *   when asked for; see {@link PredictorOptions.queue}).
 */
export type Strategy = 'locked' | 'threads' | 'processes' | 'unsafe-shared' | 'queue';

export const STRATEGIES: readonly Strategy[] = Object.freeze(['locked', 'threads', 'processes', 'unsafe-shared', 'queue']);

/** The strategies that run their models in this process (every one but `queue`). */
type LocalStrategy = Exclude<Strategy, 'queue'>;

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
   * Required by every strategy but `queue`, whose workers load their own; given to `queue`, this process also
   * serves the queue (a queue worker with a `threads` pool of `workers` instances), so that a program moves
   * between strategies by the `strategy` option alone.
   */
  readonly model?: ModelSpec | PredictTarget;
  /**
   * `queue` only, and required there: the queue's name, its Redis and the producer's options (validated by
   * `@yolokit/queue`, which `createPredictor` loads for this strategy; install it beside this package).
   *
   * @example
   * ```ts
   * const predictor = await createPredictor({ strategy: 'queue', queue: { name: 'detect', redis: 'redis://10.0.0.5:6379' } });
   * ```
   */
  readonly queue?: QueueStrategyOptions;
  /**
   * Worker threads or processes (`threads`, `processes`, and `queue` with a `model`: the local queue worker's).
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
   * `0` means no waiting at all. For `queue`: most predictions of this producer waiting for their result (in
   * Redis or on a worker), at least 1.
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

export type { PredictProgress };

/** Per-call options of {@link Predictor.predictMany}. */
export interface PredictManyOptions extends PredictCallOptions {
  /** Called once per finished image, in completion order. */
  readonly onProgress?: (progress: PredictProgress) => void;
}

/** What {@link Predictor.stats} reports. */
export interface PredictorStats extends SchedulerStats {
  readonly strategy: Strategy;
  /** The threads or processes running models now (for `queue`: those of this process's own queue worker, if any). */
  readonly workers: readonly WorkerInfo[];
  /** Tasks that may run at once (for `queue`: predictions this producer may have in flight, `maxQueue`). */
  readonly concurrency: number;
  /** Intra-op threads given to each instance's runtime, when the backend has a thread option. */
  readonly threadsPerWorker: number | undefined;
  /**
   * Worker threads or processes that died since start, busy or idle (each was replaced); a death under a task
   * also shows in {@link SchedulerStats.retried} or `failures.WORKER_DIED`. Always 0 for `locked` and `queue`
   * (a queue's workers run elsewhere).
   */
  readonly workerDeaths: number;
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
 *   model: { backend: onnxSpec(), model: 'yolov8n.onnx' },
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
  'queue',
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
  /** `queue` only: as given (validated by `@yolokit/queue`). */
  readonly queue: QueueStrategyOptions | undefined;
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
  const o = optionsObject(options, 'options', { call: 'createPredictor(options)', shape: '{ strategy, model, ... }' });
  if (o.auto !== undefined && o.strategy !== 'auto') {
    throw new InvalidOptionError('options.auto', `options.auto applies to strategy 'auto' only, got strategy ${describeValue(o.strategy)}`);
  }
  if (o.queue !== undefined && o.strategy !== 'queue') {
    throw new InvalidOptionError('options.queue', `options.queue applies to strategy 'queue' only, got strategy ${describeValue(o.strategy)}`);
  }
  rejectUnknown(o, KNOWN_OPTIONS, 'a predictor');
  const s = oneOf(required(o.strategy, 'options.strategy', `one of ${STRATEGIES.map((name) => `'${name}'`).join(', ')}`), 'options.strategy', STRATEGIES) as Strategy;
  const queued = s === 'queue';
  const pooled = s === 'threads' || s === 'processes';
  const offMainThread = booleanOption(o.offMainThread, 'options.offMainThread', false);
  if (o.offMainThread !== undefined && s !== 'locked') {
    const where = pooled ? 'already runs off the main thread' : queued ? 'runs its models on queue workers' : 'runs in this thread by definition';
    throw new InvalidOptionError('options.offMainThread', `options.offMainThread applies to strategy 'locked' only; '${s}' ${where}`);
  }
  const inThread = (s === 'locked' && !offMainThread) || s === 'unsafe-shared';
  if (queued) checkQueueOptions(o);

  if ((o.model === undefined || o.model === null) && !queued) {
    throw new InvalidOptionError('options.model', `options.model is required: a model spec { backend: { module, export?, options? }, model }${inThread ? ' or a loaded model' : ''}`);
  }
  let spec: ModelSpec | undefined;
  let target: PredictTarget | undefined;
  if (o.model === undefined || o.model === null) {
    // queue without a model: a producer only.
  } else if (isModelSpec(o.model)) {
    validateModelSpec(o.model, 'options.model');
    spec = o.model;
  } else if (typeof (o.model as PredictTarget).predict === 'function') {
    if (!inThread) {
      const where = queued ? 'to a queue worker' : 'to another thread or process';
      throw new InvalidOptionError(
        'options.model',
        `options.model must be a model spec for strategy '${s}'${s === 'locked' ? ' with offMainThread' : ''}: a loaded model cannot cross ${where}; give { backend: { module, export, options }, model } instead`,
      );
    }
    target = o.model as PredictTarget;
  } else {
    validateModelSpec(o.model, 'options.model');
  }

  for (const key of ['workers', 'threadsPerWorker'] as const) {
    if (o[key] === undefined) continue;
    positiveInteger(o[key], `options.${key}`);
    if (queued && !spec) {
      throw new InvalidOptionError(
        `options.${key}`,
        `options.${key} applies to strategy 'queue' only with options.model (this process's own queue worker); the queue's other workers set their own (yolokit worker --workers N --threads-per-worker K)`,
      );
    }
  }
  if (o.workers !== undefined && !pooled && !queued) {
    throw new InvalidOptionError('options.workers', `options.workers applies to strategies 'threads' and 'processes' only; '${s}' runs exactly one instance`);
  }
  if (o.threadsPerWorker !== undefined && target) {
    throw new InvalidOptionError('options.threadsPerWorker', 'options.threadsPerWorker needs a model spec: the threads of an already loaded model cannot be changed');
  }
  const maxQueue = queued
    ? countOrInfinity(o.maxQueue, 'options.maxQueue', 1, 1024, " for strategy 'queue' (predictions of this producer waiting for their result)")
    : countOrInfinity(o.maxQueue, 'options.maxQueue', 0, 1024);
  const taskTimeoutMs = milliseconds(o.taskTimeoutMs, 'options.taskTimeoutMs', Number.POSITIVE_INFINITY, true);
  const retryOnWorkerDeath = booleanOption(o.retryOnWorkerDeath, 'options.retryOnWorkerDeath', false);
  const transferImages = booleanOption(o.transferImages, 'options.transferImages', true);
  if (o.lock !== undefined) {
    if (!(o.lock instanceof AsyncLock)) throw new InvalidOptionError('options.lock', `options.lock must be an AsyncLock, got ${describeValue(o.lock)}`);
    if (!(s === 'locked' && !offMainThread)) {
      throw new InvalidOptionError('options.lock', `options.lock applies to strategy 'locked' in this thread only (the lock cannot guard a model in another thread)`);
    }
  }

  let workers: number;
  let threadsPerWorker: number;
  if (pooled || queued) {
    const w = o.workers as number | undefined;
    const t = o.threadsPerWorker as number | undefined;
    threadsPerWorker = t ?? (w ? Math.max(1, Math.floor(cores / w)) : 1);
    workers = w ?? Math.max(1, Math.floor(cores / threadsPerWorker));
  } else {
    workers = 1;
    threadsPerWorker = (o.threadsPerWorker as number | undefined) ?? cores;
  }
  if (!booleanOption(o.allowOversubscribe, 'options.allowOversubscribe', false)) checkThreadBudget(workers, threadsPerWorker, cores);
  return {
    strategy: s,
    queue: queued ? (o.queue as QueueStrategyOptions) : undefined,
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
 *   model: { backend: onnxSpec(), model: 'yolov8n.onnx' },
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
  if (resolved.strategy === 'queue') {
    const given = options as PredictorOptions;
    return openQueueStrategy({
      queue: resolved.queue!,
      model: resolved.spec,
      // The local queue worker's pool applies its own defaults to what is not given.
      workers: given.workers,
      threadsPerWorker: given.threadsPerWorker,
      maxQueue: resolved.maxQueue,
      taskTimeoutMs: resolved.taskTimeoutMs,
    });
  }
  const spec = resolved.spec ? withThreads(resolved.spec, resolved.threadsPerWorker) : undefined;
  const executor = executorFor(resolved as ResolvedOptions & { strategy: LocalStrategy }, spec);
  await executor.start();
  return new PoolPredictor(resolved, executor, spec ? threadsOfSpec(spec) : undefined);
}

function executorFor(resolved: ResolvedOptions & { strategy: LocalStrategy }, spec: ModelSpec | undefined): Executor {
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

  predictMany(images: Iterable<ImageInput>, options?: PredictOptions, call: PredictManyOptions = {}): Promise<Result[]> {
    // Enough in flight to keep every worker busy plus one waiting each, never more than the queue allows.
    const concurrency = this.#executor.concurrency;
    const lanes = Number.isFinite(concurrency) ? concurrency + Math.min(concurrency, this.#maxQueue) : 16;
    // Wait for room rather than trip QUEUE_FULL when other callers share the queue.
    return predictInLanes(images, lanes, (image, _index, signal) => this.#scheduler.submitWhenRoom(image, options, signal), call);
  }

  stats(): PredictorStats {
    return {
      strategy: this.strategy,
      ...this.#scheduler.stats(),
      workers: this.#executor.workers(),
      concurrency: this.#executor.concurrency,
      threadsPerWorker: this.#threadsPerWorker,
      workerDeaths: this.#executor.workerDeaths?.() ?? 0,
    };
  }

  close(options: { abort?: boolean } = {}): Promise<void> {
    let abort: boolean;
    try {
      abort = booleanOption(options.abort, 'options.abort', false);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#closing ??= this.#scheduler.close(abort ? 'abort' : 'drain');
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The options `strategy: 'queue'` takes no part in, and `options.queue` itself (its contents are `@yolokit/queue`'s to check). */
function checkQueueOptions(o: Record<string, unknown>): void {
  if (o.queue === undefined || o.queue === null) {
    throw new InvalidOptionError(
      'options.queue',
      `options.queue is required for strategy 'queue': { name, redis, ... }, the queue's name and where its Redis is (such as { name: 'detect', redis: 'redis://127.0.0.1:6379' })`,
    );
  }
  optionsObject(o.queue, 'options.queue', { shape: '{ name, redis, ... }' });
  if (o.retryOnWorkerDeath !== undefined) {
    throw new InvalidOptionError(
      'options.retryOnWorkerDeath',
      `options.retryOnWorkerDeath does not apply to strategy 'queue': a job whose worker dies goes back to the queue, and failed attempts are retried up to options.queue.attempts`,
    );
  }
  if (o.transferImages !== undefined) {
    throw new InvalidOptionError(
      'options.transferImages',
      `options.transferImages does not apply to strategy 'queue': images travel through Redis by reference or by value (options.queue.imageTransport)`,
    );
  }
}
