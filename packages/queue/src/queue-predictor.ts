import {
  type BackoffOptions,
  type KeepJobsPolicy,
  type PredictCallOptions,
  type PredictManyOptions,
  type Predictor,
  type PredictorStats,
  type PredictProgress,
  QueueFullError,
  type QueueProducerOptions,
  type QueueStrategyRequest,
} from '@yolokit/concurrency';
import { predictInLanes, Scheduler } from '@yolokit/concurrency/internal';
import { describeValue, type ImageInput, InvalidOptionError, type ModelInfo, type PredictOptions, type Result } from '@yolokit/core';
import { fromFailedJob, type JobError } from './job-failure.js';
import { describeJobImage, type ImageTransport, type JobPayload, type JobReturn, PAYLOAD_VERSION, resultOfJobReturn } from './job-payload.js';
import {
  booleanOption,
  countOrInfinity,
  DEFAULT_MAX_IMAGE_BYTES,
  milliseconds,
  oneOf,
  optionsObject,
  positiveInteger,
  prefixOption,
  queueName,
  rejectUnknown,
} from './options.js';
import { type QueueCall, QueueExecutor, validateJobId } from './queue-executor.js';
import { createQueueWorker, type QueueWorker } from './queue-worker.js';
import { type RedisTarget, validateRedisTarget } from './redis-connection.js';
import { resolveAllowRoots, resolveAllowUrls } from './source-policy.js';
import { listWorkers, type QueueWorkerInfo } from './worker-registry.js';

export type { BackoffOptions, KeepJobsPolicy };

/** Options of {@link createQueuePredictor} (the producer options are `@yolokit/concurrency`'s, shared with `createPredictor({ strategy: 'queue' })`). */
export interface QueuePredictorOptions extends QueueProducerOptions {
  /** The BullMQ queue the workers take jobs from (`yolokit worker --queue NAME`). */
  readonly queue: string;
  /** Where Redis is: `redis://host:6379`, or ioredis options. */
  readonly redis: RedisTarget;
  /**
   * Most predictions of this producer waiting for their result; one more rejects at once with
   * `QueueFullError` (`QUEUE_FULL`). `predictMany` waits for room instead.
   * @defaultValue 1024
   */
  readonly maxQueue?: number;
  /**
   * Most milliseconds from submission to result; past it the prediction rejects with `TaskTimeoutError`
   * (`TIMEOUT`) and its job is removed if no worker has started it.
   * @defaultValue Infinity
   */
  readonly taskTimeoutMs?: number;
}

/** Per-call options of {@link QueuePredictor.predict}. */
export interface QueuePredictCallOptions extends PredictCallOptions {
  /**
   * Stops waiting: a job no worker has started is removed; a running one finishes and its result is dropped.
   */
  readonly signal?: AbortSignal;
  /**
   * The job's id, to make the call idempotent: while a job with this id exists (waiting, running, or finished
   * and kept), a new call with it enqueues nothing and resolves with that job's outcome. No `:`, not a number.
   * @defaultValue a new id, `<producer id>-<sequence>`
   */
  readonly jobId?: string;
}

/** Progress of {@link QueuePredictor.predictMany}: the same as every predictor's. */
export type QueuePredictProgress = PredictProgress;

/** Per-call options of {@link QueuePredictor.predictMany}. */
export interface QueuePredictManyOptions extends PredictManyOptions {
  readonly signal?: AbortSignal;
  /** Called once per finished image, in completion order. */
  readonly onProgress?: (progress: QueuePredictProgress) => void;
  /**
   * Job ids `<jobIdPrefix>-<index>`: running the same batch again (after this process crashed, say) reuses
   * the jobs that exist and the results that are kept, instead of predicting them twice.
   */
  readonly jobIdPrefix?: string;
}

/**
 * What {@link QueuePredictor.stats} reports: every predictor's statistics (`workers`, `threadsPerWorker`: those
 * of this process's own queue worker when `createPredictor` was given a model, else none; `concurrency`:
 * `maxQueue`), and the queue's.
 */
export interface QueuePredictorStats extends PredictorStats {
  readonly strategy: 'queue';
  readonly queue: string;
  /** Predictions resolved with a result. */
  readonly completed: number;
  /** Predictions rejected, for any reason. */
  readonly failed: number;
  /** Rejected predictions by error code. */
  readonly failures: PredictorStats['failures'];
  /** Completed jobs that were started more than once (after a failed attempt, a worker that died, or one that gave the job back at shutdown). */
  readonly retried: number;
  /** `stalled` events of this producer's jobs: a worker died holding them and they were put back in line. */
  readonly stalled: number;
  /** Jobs enqueued again after they vanished from Redis. */
  readonly resubmitted: number;
  /** Predictions whose job no worker has started yet. */
  readonly queued: number;
  /** Predictions whose job a worker is running. */
  readonly inFlight: number;
  /** Whether the connection to Redis is up. */
  readonly connected: boolean;
  /** Times the connection came back after a loss. */
  readonly reconnections: number;
  /** From submission to a worker starting the job, over recent completed predictions. */
  readonly waitTimeMs: PredictorStats['waitTimeMs'];
  /** What workers reported as their time on the job, over recent completed predictions. */
  readonly runTimeMs: PredictorStats['runTimeMs'];
  /** From submission to result, over recent completed predictions. */
  readonly latencyMs: PredictorStats['runTimeMs'];
}

/** A dead-lettered job, as {@link QueuePredictor.deadLetters} lists it. */
export interface DeadLetter {
  readonly jobId: string;
  /** The error that failed it: an instance of the class the worker threw, with its code and fields, `jobId` and `attemptsMade`. */
  readonly error: JobError;
  readonly attemptsMade: number;
  /** When it failed, ms since the epoch (its worker's clock). */
  readonly failedAt: number | undefined;
  /** The image it was for (a path or URL; by-value images, whose bytes the worker dropped from Redis, are described by size). */
  readonly image: string;
}

/**
 * The producer side of the queue strategy: a `Predictor` of `@yolokit/concurrency` (what
 * `createPredictor({ strategy: 'queue' })` returns), with predictions running on queue workers anywhere that
 * reach the same Redis, and the queue's own extras (job ids, kept results, dead letters, the workers).
 */
export interface QueuePredictor extends Predictor {
  readonly strategy: 'queue';
  readonly queue: string;
  /** This producer's id, the prefix of the job ids it makes. */
  readonly id: string;
  /** The model's facts as a worker announced them when this producer started; `undefined` if none had. */
  readonly info: ModelInfo | undefined;
  /** Detects objects in one image, on whichever worker takes the job. */
  predict(image: ImageInput, options?: PredictOptions, call?: QueuePredictCallOptions): Promise<Result>;
  /**
   * Detects objects in many images; results in input order. Rejects with the first failure and stops waiting
   * for the rest (their queued jobs are removed).
   */
  predictMany(images: Iterable<ImageInput>, options?: PredictOptions, call?: QueuePredictManyOptions): Promise<Result[]>;
  stats(): QueuePredictorStats;
  /** A kept result by job id (see `keepResults`), or `undefined` when there is none (yet, or any more). */
  result(jobId: string): Promise<Result | undefined>;
  /** Dead-lettered jobs of the queue, newest first (all producers'), with their errors. */
  deadLetters(options?: { readonly limit?: number }): Promise<DeadLetter[]>;
  /** The workers that serve the queue now (as they announced themselves). */
  workers(): Promise<QueueWorkerInfo[]>;
  /**
   * Stops taking predictions and leaves Redis. Waits for waiting predictions, or with `{ abort: true }` rejects
   * them with `PredictorClosedError` (`CLOSED`) and removes their jobs that no worker has started. Idempotent.
   */
  close(options?: { abort?: boolean }): Promise<void>;
}

/** The producer options (`QueueProducerOptions`), as `createQueuePredictor` and `createPredictor` take them. */
const PRODUCER_OPTIONS = [
  'prefix',
  'imageTransport',
  'maxImageBytes',
  'attempts',
  'backoff',
  'keepResults',
  'keepFailed',
  'resubmitLostJobs',
  'maxResubmits',
  'connectTimeoutMs',
  'connectionLostTimeoutMs',
  'reconcileIntervalMs',
] as const;

const KNOWN_OPTIONS = new Set(['queue', 'redis', 'maxQueue', 'taskTimeoutMs', ...PRODUCER_OPTIONS]);
/** `PredictorOptions.queue` of `createPredictor({ strategy: 'queue' })`. */
const STRATEGY_OPTIONS = new Set(['name', 'redis', ...PRODUCER_OPTIONS, 'allowRoots', 'allowUrls']);

/** {@link QueuePredictorOptions} checked, with every default applied. */
export function resolveQueuePredictorOptions(options: unknown) {
  const o = optionsObject(options, 'createQueuePredictor(options)');
  rejectUnknown(o, KNOWN_OPTIONS, 'a queue predictor');
  const maxQueue = countOrInfinity(o.maxQueue, 'options.maxQueue', 1, 1024);
  return {
    queue: queueName(o.queue),
    redis: validateRedisTarget(o.redis, 'options.redis'),
    maxQueue,
    taskTimeoutMs: milliseconds(o.taskTimeoutMs, 'options.taskTimeoutMs', Number.POSITIVE_INFINITY, true),
    ...producerOptions(o, 'options'),
  };
}

/**
 * The options of `createPredictor({ strategy: 'queue', queue, maxQueue, taskTimeoutMs })` (which has checked
 * `maxQueue` and `taskTimeoutMs`), as {@link resolveQueuePredictorOptions} gives them; messages name
 * `options.queue.<option>`.
 */
function resolveStrategyOptions(request: QueueStrategyRequest): ResolvedPredictorOptions {
  const path = 'options.queue';
  if (typeof request.queue !== 'object' || request.queue === null || Array.isArray(request.queue)) {
    throw new InvalidOptionError(path, `${path} must be an object { name, redis, ... }, got ${describeValue(request.queue)}`);
  }
  const o = request.queue as unknown as Record<string, unknown>;
  rejectUnknown(o, STRATEGY_OPTIONS, 'a queue', path);
  return {
    queue: queueName(o.name, `${path}.name`),
    redis: validateRedisTarget(o.redis, `${path}.redis`),
    maxQueue: request.maxQueue,
    taskTimeoutMs: request.taskTimeoutMs,
    ...producerOptions(o, path),
  };
}

/** The {@link QueueProducerOptions} of `o`, checked, with defaults; `path` is how messages name `o`. */
function producerOptions(o: Record<string, unknown>, path: string) {
  return {
    prefix: prefixOption(o.prefix, `${path}.prefix`),
    imageTransport: oneOf<ImageTransport>(o.imageTransport, `${path}.imageTransport`, ['reference', 'value'], 'reference'),
    maxImageBytes: positiveInteger(o.maxImageBytes, `${path}.maxImageBytes`, DEFAULT_MAX_IMAGE_BYTES),
    attempts: positiveInteger(o.attempts, `${path}.attempts`, 3),
    backoff: backoffOption(o.backoff, `${path}.backoff`),
    keepResults: keepOption(o.keepResults, `${path}.keepResults`, { ageSeconds: 3600 }),
    keepFailed: keepOption(o.keepFailed, `${path}.keepFailed`, { ageSeconds: 7 * 24 * 3600 }),
    resubmitLostJobs: booleanOption(o.resubmitLostJobs, `${path}.resubmitLostJobs`, true),
    maxResubmits: positiveInteger(o.maxResubmits, `${path}.maxResubmits`, 3),
    connectTimeoutMs: milliseconds(o.connectTimeoutMs, `${path}.connectTimeoutMs`, 10_000),
    connectionLostTimeoutMs: milliseconds(o.connectionLostTimeoutMs, `${path}.connectionLostTimeoutMs`, 30_000),
    reconcileIntervalMs: milliseconds(o.reconcileIntervalMs, `${path}.reconcileIntervalMs`, 5_000),
  };
}

/** @internal */
export type ResolvedPredictorOptions = ReturnType<typeof resolveQueuePredictorOptions>;

function backoffOption(value: unknown, option: string): BackoffOptions {
  if (value === undefined) return { type: 'exponential', delayMs: 1_000 };
  const ok =
    typeof value === 'object' &&
    value !== null &&
    ((value as BackoffOptions).type === 'exponential' || (value as BackoffOptions).type === 'fixed') &&
    typeof (value as BackoffOptions).delayMs === 'number' &&
    Number.isSafeInteger((value as BackoffOptions).delayMs) &&
    (value as BackoffOptions).delayMs >= 0;
  if (!ok) throw new InvalidOptionError(option, `${option} must be { type: 'exponential' | 'fixed', delayMs: non-negative integer }, got ${describeValue(value)}`);
  return value as BackoffOptions;
}

function keepOption(value: unknown, option: string, fallback: KeepJobsPolicy): KeepJobsPolicy {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null) {
    const { ageSeconds, count, ...rest } = value as { ageSeconds?: unknown; count?: unknown };
    const valid = (n: unknown): boolean => n === undefined || (typeof n === 'number' && Number.isSafeInteger(n) && n > 0);
    if (Object.keys(rest).length === 0 && valid(ageSeconds) && valid(count) && (ageSeconds !== undefined || count !== undefined)) {
      return value as KeepJobsPolicy;
    }
  }
  throw new InvalidOptionError(option, `${option} must be true, false or { ageSeconds?, count? } with positive integers, got ${describeValue(value)}`);
}

/**
 * Creates the producer side of the queue strategy and resolves once it is connected to Redis (or rejects with
 * `QueueConnectionError` after `connectTimeoutMs`).
 *
 * @example
 * ```ts
 * import { createQueuePredictor } from '@yolokit/queue';
 *
 * await using predictor = await createQueuePredictor({ queue: 'detect', redis: 'redis://10.0.0.5:6379' });
 * const result = await predictor.predict('/shared/images/bus.jpg', { conf: 0.4 });
 * console.log(result.detections.length, predictor.stats().latencyMs.p50);
 * ```
 */
export async function createQueuePredictor(options: QueuePredictorOptions): Promise<QueuePredictor> {
  return openProducer(resolveQueuePredictorOptions(options), undefined);
}

/**
 * `createPredictor({ strategy: 'queue', queue, model?, ... })` of `@yolokit/concurrency` lands here (it loads
 * this package with a dynamic import). Without a model it is {@link createQueuePredictor}; with one, this process
 * also serves the queue: a queue worker with a `threads` pool of the model starts first (so a model that cannot
 * load rejects here with its typed error), and the predictor's `close()` stops it after the producer.
 * @internal `createPredictor({ strategy: 'queue' })` is the public way in.
 */
export async function openQueueStrategy(request: QueueStrategyRequest): Promise<QueuePredictor> {
  const resolved = resolveStrategyOptions(request);
  const sources = request.queue as { allowRoots?: unknown; allowUrls?: unknown };
  if (!request.model) {
    for (const key of ['allowRoots', 'allowUrls'] as const) {
      if (sources[key] !== undefined) {
        throw new InvalidOptionError(`options.queue.${key}`, `options.queue.${key} is for the queue worker this process runs with options.model; give options.model, or pass ${key} to the workers you start`);
      }
    }
    return openProducer(resolved, undefined);
  }
  const worker = await createQueueWorker({
    allowRoots: resolveAllowRoots(sources.allowRoots, 'options.queue.allowRoots'),
    allowUrls: resolveAllowUrls(sources.allowUrls, 'options.queue.allowUrls'),
    queue: resolved.queue,
    redis: resolved.redis,
    prefix: resolved.prefix,
    model: request.model,
    maxImageBytes: resolved.maxImageBytes,
    connectTimeoutMs: resolved.connectTimeoutMs,
    ...(request.workers === undefined ? {} : { workers: request.workers }),
    ...(request.threadsPerWorker === undefined ? {} : { threadsPerWorker: request.threadsPerWorker }),
  });
  try {
    return await openProducer(resolved, worker);
  } catch (error) {
    await worker.close({ returnJobs: true });
    throw error;
  }
}

/** Connects a producer; `worker`, this process's own queue worker if any, is closed with it. */
async function openProducer(resolved: ResolvedPredictorOptions, worker: QueueWorker | undefined): Promise<QueuePredictor> {
  const executor = new QueueExecutor(resolved, worker);
  await executor.start();
  return new RedisQueuePredictor(resolved, executor);
}

/**
 * The producer: `@yolokit/concurrency`'s scheduler (the bound on waiting predictions, timeouts, cancellation,
 * draining close, counters) in front of a {@link QueueExecutor} (the jobs in Redis), as every strategy's
 * predictor is a scheduler in front of its executor.
 */
class RedisQueuePredictor implements QueuePredictor {
  readonly strategy = 'queue' as const;
  readonly queue: string;
  readonly id: string;
  readonly info: ModelInfo | undefined;
  readonly #options: ResolvedPredictorOptions;
  readonly #executor: QueueExecutor;
  readonly #scheduler: Scheduler<QueueCall | undefined>;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedPredictorOptions, executor: QueueExecutor) {
    this.#options = options;
    this.#executor = executor;
    this.queue = options.queue;
    this.id = executor.id;
    this.info = executor.info();
    // The executor takes up to maxQueue jobs at once (they wait in Redis, not here): one more is QUEUE_FULL.
    this.#scheduler = new Scheduler(executor, {
      maxQueue: 0,
      taskTimeoutMs: options.taskTimeoutMs,
      // A job whose worker dies goes back to the queue; failed attempts are retried by BullMQ (`attempts`).
      retryOnWorkerDeath: false,
      fullError: () => new QueueFullError(options.maxQueue),
    });
  }

  predict(image: ImageInput, options?: PredictOptions, call: QueuePredictCallOptions = {}): Promise<Result> {
    return this.#scheduler.submit(image, options, call.signal, call.jobId === undefined ? undefined : { jobId: call.jobId });
  }

  async predictMany(images: Iterable<ImageInput>, options?: PredictOptions, call: QueuePredictManyOptions = {}): Promise<Result[]> {
    const prefix = call.jobIdPrefix;
    if (prefix !== undefined) validateJobId(`${prefix}-0`, 'call.jobIdPrefix');
    // Every image in flight at once, up to maxQueue: they wait in Redis for whichever worker is free. Past
    // maxQueue (other callers share this producer), each waits for room instead of tripping QUEUE_FULL.
    return predictInLanes(
      images,
      this.#options.maxQueue,
      (image, index, signal) => this.#scheduler.submitWhenRoom(image, options, signal, prefix === undefined ? undefined : { jobId: `${prefix}-${index}` }),
      call,
    );
  }

  async result(jobId: string): Promise<Result | undefined> {
    validateJobId(jobId, 'jobId');
    const job = await this.#executor.queue.getJob(jobId);
    const returned = job?.returnvalue as JobReturn | undefined;
    if (!job?.finishedOn || !returned || returned.v !== PAYLOAD_VERSION) return undefined;
    return resultOfJobReturn(returned.result);
  }

  async deadLetters(options: { readonly limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = positiveInteger(options.limit, 'options.limit', 100);
    const jobs = await this.#executor.queue.getFailed(0, limit - 1);
    return jobs.map((job) => {
      const image = (job.data as JobPayload | undefined)?.image;
      return {
        jobId: String(job.id),
        error: fromFailedJob(job),
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn,
        image: describeJobImage(image),
      };
    });
  }

  workers(): Promise<QueueWorkerInfo[]> {
    return listWorkers(this.#executor.client, this.#options.prefix, this.queue);
  }

  stats(): QueuePredictorStats {
    return {
      strategy: 'queue',
      queue: this.queue,
      // completed, failed and failures are the scheduler's (they include what failed before being enqueued);
      // the rest is the queue's view: jobs waiting in Redis or running on a worker, and the workers' timings.
      ...this.#scheduler.stats(),
      ...this.#executor.stats(),
      workers: this.#executor.workers(),
      concurrency: this.#options.maxQueue,
      threadsPerWorker: this.#executor.threadsPerWorker(),
      // Deaths of this process's own queue worker's pool, if it has one; remote workers report their own.
      workerDeaths: this.#executor.workerDeaths(),
    };
  }

  close(options: { abort?: boolean } = {}): Promise<void> {
    let abort: boolean;
    try {
      abort = booleanOption(options.abort, 'options.abort', false);
    } catch (error) {
      return Promise.reject(error);
    }
    // Drain: every prediction settles first. Abort: each rejects with PredictorClosedError at once and its job is
    // withdrawn unless a worker holds it. Then the executor leaves Redis.
    this.#closing ??= this.#scheduler.close(abort ? 'abort' : 'drain');
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
