import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  abortErrorFrom,
  type BackoffOptions,
  type KeepJobsPolicy,
  LatencyRecorder,
  type Percentiles,
  type PredictCallOptions,
  type PredictManyOptions,
  type Predictor,
  PredictorClosedError,
  type PredictorStats,
  type PredictProgress,
  QueueFullError,
  type QueueProducerOptions,
  type QueueStrategyRequest,
  TaskTimeoutError,
  withoutSignal,
} from '@yolokit/concurrency';
import {
  AbortError,
  describeValue,
  type ImageInput,
  InferenceError,
  InvalidOptionError,
  type ModelInfo,
  type PredictOptions,
  type Result,
  resolvePredictOptions,
  YoloError,
  type YoloErrorCode,
} from '@yolokit/core';
import { type Job, type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobLostError, QueueConnectionError } from './errors.js';
import { fromFailedJob, type JobError } from './job-failure.js';
import {
  decodedLength,
  type ImageTransport,
  JOB_NAME,
  type JobPayload,
  type JobReturn,
  PAYLOAD_VERSION,
  resultOfJobReturn,
  sourceOf,
  toJobImage,
  type WireOptions,
} from './job-payload.js';
import {
  booleanOption,
  DEFAULT_MAX_IMAGE_BYTES,
  milliseconds,
  oneOf,
  optionsObject,
  positiveInteger,
  prefixOption,
  queueName,
  rejectUnknown,
} from './options.js';
import { closeRedis, openRedis, type RedisTarget, redactRedis, validateRedisTarget, waitUntilReady } from './redis-connection.js';
import { createQueueWorker, type QueueWorker } from './queue-worker.js';
import { withTimeout } from './with-timeout.js';
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
  readonly failures: Readonly<Partial<Record<YoloErrorCode | 'OTHER', number>>>;
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
  readonly waitTimeMs: Percentiles;
  /** What workers reported as their time on the job, over recent completed predictions. */
  readonly runTimeMs: Percentiles;
  /** From submission to result, over recent completed predictions. */
  readonly latencyMs: Percentiles;
}

/** A dead-lettered job, as {@link QueuePredictor.deadLetters} lists it. */
export interface DeadLetter {
  readonly jobId: string;
  /** The error that failed it: an instance of the class the worker threw, with its code and fields, `jobId` and `attemptsMade`. */
  readonly error: JobError;
  readonly attemptsMade: number;
  /** When it failed, ms since the epoch (its worker's clock). */
  readonly failedAt: number | undefined;
  /** The image it was for (a path or URL; by-value images are described by size). */
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
const STRATEGY_OPTIONS = new Set(['name', 'redis', ...PRODUCER_OPTIONS]);

/** {@link QueuePredictorOptions} checked, with every default applied. */
export function resolveQueuePredictorOptions(options: unknown) {
  const o = optionsObject(options, 'createQueuePredictor(options)');
  rejectUnknown(o, KNOWN_OPTIONS, 'a queue predictor');
  const maxQueue = o.maxQueue ?? 1024;
  if (typeof maxQueue !== 'number' || !(Number.isSafeInteger(maxQueue) || maxQueue === Number.POSITIVE_INFINITY) || maxQueue < 1) {
    throw new InvalidOptionError('options.maxQueue', `options.maxQueue must be a positive integer or Infinity, got ${describeValue(maxQueue)}`);
  }
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

type ResolvedPredictorOptions = ReturnType<typeof resolveQueuePredictorOptions>;

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

/** BullMQ's `removeOnComplete` / `removeOnFail` for a keep policy (BullMQ's option says what to remove). */
function removeOption(keep: KeepJobsPolicy): JobsOptions['removeOnComplete'] {
  if (keep === true) return false;
  if (keep === false) return true;
  if (keep.ageSeconds === undefined) return { count: keep.count as number };
  return { age: keep.ageSeconds, ...(keep.count === undefined ? {} : { count: keep.count }) };
}

function validateJobId(jobId: unknown, option: string): string {
  if (typeof jobId !== 'string' || jobId === '' || jobId.includes(':') || /^\d+$/.test(jobId)) {
    throw new InvalidOptionError(option, `${option} must be a non-empty string without ':' that is not a number (BullMQ's rule for custom ids), got ${describeValue(jobId)}`);
  }
  return jobId;
}

interface PendingJob {
  readonly id: string;
  readonly data: JobPayload;
  readonly source: string | undefined;
  readonly submittedAt: number;
  /** `adding`: the add command has not answered; `queued`: in Redis, not started; `active`: a worker has it. */
  state: 'adding' | 'queued' | 'active';
  activeAt: number | undefined;
  resubmits: number;
  /** When the producer last heard of it (an event or a state check). */
  heardAt: number;
  settled: boolean;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
  dispose: () => void;
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
  if (!request.model) return openProducer(resolved, undefined);
  const worker = await createQueueWorker({
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
  const id = randomBytes(4).toString('hex');
  const client = openRedis(resolved.redis, `yolokit-producer:${id}`);
  const eventsClient = openRedis(resolved.redis, `yolokit-producer-events:${id}`);
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;
  try {
    await Promise.all([waitUntilReady(client, resolved.connectTimeoutMs), waitUntilReady(eventsClient, resolved.connectTimeoutMs)]);
    // Events are read from now on (by Redis' clock), so none between here and the first read is missed.
    const [seconds, micros] = await client.time();
    const lastEventId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`;
    queue = new Queue(resolved.queue, { connection: client, prefix: resolved.prefix });
    events = new QueueEvents(resolved.queue, { connection: eventsClient, prefix: resolved.prefix, lastEventId });
    queue.on('error', () => {});
    events.on('error', () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const announced = await listWorkers(client, resolved.prefix, resolved.queue).catch(() => []);
    return new RedisQueuePredictor(resolved, id, client, eventsClient, queue, events, worker?.info ?? announced[0]?.info, worker);
  } catch (error) {
    await events?.close().catch(() => {});
    await queue?.close().catch(() => {});
    client.disconnect();
    eventsClient.disconnect();
    if (YoloError.isInstance(error)) throw error;
    throw new QueueConnectionError(redactRedis(resolved.redis), resolved.connectTimeoutMs, undefined, { cause: error, when: 'while the producer connected' });
  }
}

class RedisQueuePredictor implements QueuePredictor {
  readonly strategy = 'queue' as const;
  readonly queue: string;
  readonly id: string;
  readonly info: ModelInfo | undefined;
  readonly #options: ResolvedPredictorOptions;
  readonly #client: Redis;
  readonly #eventsClient: Redis;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #pending = new Map<string, PendingJob>();
  readonly #jobOptions: JobsOptions;
  readonly #redis: string;
  /** This process's own queue worker (`createPredictor` with a model), closed after the producer. */
  readonly #worker: QueueWorker | undefined;
  #sequence = 0;
  #closed = false;
  #aborted = false;
  #closing: Promise<void> | undefined;
  #downSince: number | undefined;
  #reconciling: Promise<void> | undefined;
  #lastReconcile = performance.now();
  readonly #timer: NodeJS.Timeout;
  #roomWaiters: Array<() => void> = [];
  #drainWaiters: Array<() => void> = [];
  #completed = 0;
  #failed = 0;
  #retried = 0;
  #stalled = 0;
  #resubmitted = 0;
  #reconnections = 0;
  readonly #failures: Partial<Record<YoloErrorCode | 'OTHER', number>> = {};
  readonly #wait = new LatencyRecorder();
  readonly #run = new LatencyRecorder();
  readonly #latency = new LatencyRecorder();

  constructor(
    options: ResolvedPredictorOptions,
    id: string,
    client: Redis,
    eventsClient: Redis,
    queue: Queue,
    events: QueueEvents,
    info: ModelInfo | undefined,
    worker: QueueWorker | undefined,
  ) {
    this.#options = options;
    this.#worker = worker;
    this.queue = options.queue;
    this.id = id;
    this.info = info;
    this.#client = client;
    this.#eventsClient = eventsClient;
    this.#queue = queue;
    this.#events = events;
    this.#redis = redactRedis(options.redis);
    this.#jobOptions = {
      attempts: options.attempts,
      backoff: { type: options.backoff.type, delay: options.backoff.delayMs },
      removeOnComplete: removeOption(options.keepResults),
      removeOnFail: removeOption(options.keepFailed),
    };
    client.on('close', () => {
      this.#downSince ??= performance.now();
    });
    client.on('ready', () => {
      if (this.#downSince === undefined) return;
      this.#downSince = undefined;
      this.#reconnections += 1;
      // Anything may have happened meanwhile, including a Redis that came back empty.
      void this.#reconcile(true);
    });
    events.on('active', ({ jobId }) => {
      const job = this.#pending.get(jobId);
      if (!job || job.settled) return;
      job.heardAt = performance.now();
      if (job.state !== 'active') {
        job.state = 'active';
        job.activeAt = performance.now();
      }
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      const job = this.#pending.get(jobId);
      if (job) this.#complete(job, returnvalue);
    });
    events.on('failed', ({ jobId, failedReason }) => {
      const job = this.#pending.get(jobId);
      if (job) void this.#collect(job, failedReason);
    });
    events.on('stalled', ({ jobId }) => {
      const job = this.#pending.get(jobId);
      if (!job) return;
      this.#stalled += 1;
      job.heardAt = performance.now();
      job.state = 'queued';
    });
    events.on('removed', ({ jobId }) => {
      const job = this.#pending.get(jobId);
      if (job && !job.settled) this.#fail(job, new JobLostError(jobId, 'removed', 'the prediction cannot complete; submit it again'));
    });
    // One timer for connection-loss deadlines and the periodic state check.
    this.#timer = setInterval(() => this.#tick(), Math.min(1_000, options.reconcileIntervalMs));
    this.#timer.unref();
  }

  predict(image: ImageInput, options?: PredictOptions, call: QueuePredictCallOptions = {}): Promise<Result> {
    if (this.#closed) return this.#rejectNow(new PredictorClosedError());
    let wire: WireOptions | undefined;
    let jobId: string;
    try {
      resolvePredictOptions(options);
      wire = withoutSignal(options);
      jobId = call.jobId === undefined ? `${this.id}-${++this.#sequence}` : validateJobId(call.jobId, 'call.jobId');
    } catch (error) {
      return this.#rejectNow(error);
    }
    const signals = [call.signal, options?.signal].filter((s): s is AbortSignal => s !== undefined);
    const aborted = signals.find((s) => s.aborted);
    if (aborted) return this.#rejectNow(abortErrorFrom(aborted));
    if (this.#pending.size >= this.#options.maxQueue) return this.#rejectNow(new QueueFullError(this.#options.maxQueue));
    if (this.#pending.has(jobId)) {
      return this.#rejectNow(new InvalidOptionError('call.jobId', `call.jobId ${jobId} is already waiting for its result in this producer; await that call instead`));
    }
    return new Promise<Result>((resolve, reject) => {
      const job: PendingJob = {
        id: jobId,
        // Filled once the image is encoded (below); the job is registered first so the slot counts at once.
        data: undefined as unknown as JobPayload,
        source: sourceOf(image),
        submittedAt: performance.now(),
        state: 'adding',
        activeAt: undefined,
        resubmits: 0,
        heardAt: performance.now(),
        settled: false,
        resolve,
        reject,
        dispose: () => {},
      };
      const onAbort = (event: Event): void => this.#fail(job, abortErrorFrom(event.target as AbortSignal), true);
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      const timer = Number.isFinite(this.#options.taskTimeoutMs)
        ? setTimeout(() => this.#fail(job, new TaskTimeoutError(this.#options.taskTimeoutMs), true), this.#options.taskTimeoutMs)
        : undefined;
      job.dispose = () => {
        if (timer !== undefined) clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', onAbort);
      };
      this.#pending.set(jobId, job);
      void this.#enqueue(job, image, wire, call.jobId !== undefined);
    });
  }

  async #enqueue(job: PendingJob, image: ImageInput, options: WireOptions | undefined, givenId: boolean): Promise<void> {
    try {
      const encoded = await toJobImage(image, this.#options.imageTransport, this.#options.maxImageBytes);
      (job as { data: JobPayload }).data = { v: PAYLOAD_VERSION, image: encoded, ...(options === undefined ? {} : { options }) };
    } catch (error) {
      this.#fail(job, error);
      return;
    }
    if (job.settled) return;
    await this.#add(job);
    // An id given by the caller may name a job that already finished (and is kept): take its outcome.
    if (givenId && !job.settled) {
      const state = await this.#queue.getJobState(job.id).catch(() => undefined);
      if (state === 'completed' || state === 'failed') await this.#collect(job);
    }
  }

  async #add(job: PendingJob): Promise<void> {
    try {
      await this.#queue.add(JOB_NAME, job.data, { ...this.#jobOptions, jobId: job.id });
      if (job.state === 'adding') job.state = 'queued';
      job.heardAt = performance.now();
    } catch (error) {
      // Commands wait through disconnections, so this is Redis refusing the job (out of memory, ...).
      this.#fail(job, new InferenceError(`could not enqueue job ${job.id}: ${(error as Error).message}`, { cause: error }));
    }
  }

  /** Resolves `job` with a worker's return value. */
  #complete(job: PendingJob, value: unknown): void {
    if (job.settled) return;
    const returned = value as JobReturn | undefined;
    const notAResult = (cause?: unknown) =>
      this.#fail(job, new InferenceError(`job ${job.id} completed with a value that is not a yolokit result (version ${PAYLOAD_VERSION}): ${describeValue(value)}`, { cause }));
    if (!returned || returned.v !== PAYLOAD_VERSION || typeof returned.result !== 'object' || returned.result === null) {
      notAResult();
      return;
    }
    let result: Result;
    try {
      result = resultOfJobReturn(job.source === undefined ? returned.result : { ...returned.result, source: job.source });
    } catch (error) {
      notAResult(error);
      return;
    }
    const now = performance.now();
    this.#latency.record(now - job.submittedAt);
    this.#wait.record((job.activeAt ?? now - returned.runMs) - job.submittedAt);
    this.#run.record(returned.runMs);
    if (returned.attemptsMade > 0 || returned.attemptsStarted > 1) this.#retried += 1;
    this.#settle(job);
    this.#completed += 1;
    job.resolve(result);
  }

  /**
   * Reads a finished job from Redis and settles `job` with its outcome. `failedReason` comes with a `failed`
   * event, for a job that `keepFailed: false` removed at once.
   */
  async #collect(job: PendingJob, failedReason?: string): Promise<void> {
    let stored: Job | undefined;
    try {
      stored = await this.#queue.getJob(job.id);
    } catch {
      return; // the next state check tries again
    }
    if (job.settled) return;
    if (!stored) {
      if (failedReason !== undefined) this.#fail(job, fromFailedJob({ id: job.id, failedReason }));
      return;
    }
    if (stored.finishedOn && stored.returnvalue !== null && stored.returnvalue !== undefined && !stored.failedReason) {
      this.#complete(job, stored.returnvalue);
    } else if (stored.finishedOn && stored.failedReason) {
      this.#fail(job, fromFailedJob(stored));
    }
  }

  #tick(): void {
    const now = performance.now();
    if (this.#downSince !== undefined && now - this.#downSince > this.#options.connectionLostTimeoutMs) {
      const downForMs = now - this.#downSince;
      for (const job of [...this.#pending.values()]) {
        this.#fail(job, new QueueConnectionError(this.#redis, downForMs, job.id));
      }
    }
    if (this.#downSince === undefined && this.#pending.size > 0 && now - this.#lastReconcile >= this.#options.reconcileIntervalMs) {
      void this.#reconcile(false);
    }
  }

  /**
   * Checks the jobs not heard of for a while (all of them after a reconnection): finished ones are collected,
   * vanished ones resubmitted (or failed with `JobLostError`).
   */
  #reconcile(all: boolean): Promise<void> {
    if (this.#reconciling) {
      if (!all) return this.#reconciling;
      return this.#reconciling.then(() => this.#reconcile(true));
    }
    this.#lastReconcile = performance.now();
    const quietSince = performance.now() - this.#options.reconcileIntervalMs;
    const jobs = [...this.#pending.values()].filter((job) => job.state !== 'adding' && (all || job.heardAt <= quietSince));
    this.#reconciling = (async () => {
      await Promise.all(
        jobs.map(async (job) => {
          let state: string;
          try {
            state = await this.#queue.getJobState(job.id);
          } catch {
            return;
          }
          if (job.settled) return;
          job.heardAt = performance.now();
          if (state === 'completed' || state === 'failed') await this.#collect(job);
          else if (state === 'unknown') await this.#lost(job);
          else if (state === 'active' && job.state !== 'active') {
            job.state = 'active';
            job.activeAt ??= performance.now();
          }
        }),
      );
    })().finally(() => {
      this.#reconciling = undefined;
    });
    return this.#reconciling;
  }

  async #lost(job: PendingJob): Promise<void> {
    if (!this.#options.resubmitLostJobs) {
      this.#fail(job, new JobLostError(job.id, 'missing', 'resubmitLostJobs is false, so the prediction fails; submit it again'));
      return;
    }
    if (job.resubmits >= this.#options.maxResubmits) {
      this.#fail(job, new JobLostError(job.id, 'missing', `it was resubmitted ${job.resubmits} times already (maxResubmits)`));
      return;
    }
    job.resubmits += 1;
    this.#resubmitted += 1;
    job.state = 'adding';
    job.activeAt = undefined;
    await this.#add(job);
  }

  async predictMany(images: Iterable<ImageInput>, options?: PredictOptions, call: QueuePredictManyOptions = {}): Promise<Result[]> {
    const list = [...images];
    const results: Result[] = new Array(list.length);
    if (list.length === 0) return results;
    if (call.jobIdPrefix !== undefined) validateJobId(`${call.jobIdPrefix}-0`, 'call.jobIdPrefix');
    const stop = new AbortController();
    const signal = call.signal ? AbortSignal.any([stop.signal, call.signal]) : stop.signal;
    setMaxListeners(0, signal);
    let next = 0;
    let completed = 0;
    let failure: { error: unknown } | undefined;
    const lane = async (): Promise<void> => {
      while (next < list.length && !failure) {
        const index = next++;
        try {
          // Wait for room rather than trip QUEUE_FULL when other callers share this producer. The last check
          // and the submission happen in one synchronous step, so lanes never overfill it between them.
          while (!this.#closed && this.#pending.size >= this.#options.maxQueue) await this.#roomFreed(signal);
          const jobId = call.jobIdPrefix === undefined ? undefined : `${call.jobIdPrefix}-${index}`;
          const result = await this.predict(list[index], options, { signal, ...(jobId === undefined ? {} : { jobId }) });
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
    const lanes = Math.min(list.length, Number.isFinite(this.#options.maxQueue) ? this.#options.maxQueue : list.length);
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failure) throw failure.error;
    return results;
  }

  /** Resolves when a prediction settles (or `signal` aborts, then rejects). */
  #roomFreed(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortErrorFrom(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(abortErrorFrom(signal));
      this.#roomWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async result(jobId: string): Promise<Result | undefined> {
    validateJobId(jobId, 'jobId');
    const job = await this.#queue.getJob(jobId);
    const returned = job?.returnvalue as JobReturn | undefined;
    if (!job?.finishedOn || !returned || returned.v !== PAYLOAD_VERSION) return undefined;
    return resultOfJobReturn(returned.result);
  }

  async deadLetters(options: { readonly limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = positiveInteger(options.limit, 'options.limit', 100);
    const jobs = await this.#queue.getFailed(0, limit - 1);
    return jobs.map((job) => {
      const image = (job.data as JobPayload | undefined)?.image;
      return {
        jobId: String(job.id),
        error: fromFailedJob(job),
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn,
        image: !image ? '?' : image.kind === 'path' ? image.path : image.kind === 'url' ? image.href : `<${image.kind} ${decodedLength(image.base64)} bytes>`,
      };
    });
  }

  workers(): Promise<QueueWorkerInfo[]> {
    return listWorkers(this.#client, this.#options.prefix, this.queue);
  }

  stats(): QueuePredictorStats {
    let queued = 0;
    let inFlight = 0;
    for (const job of this.#pending.values()) {
      if (job.state === 'active') inFlight += 1;
      else queued += 1;
    }
    const pool = this.#worker?.stats().pool;
    return {
      strategy: 'queue',
      queue: this.queue,
      workers: pool?.workers ?? [],
      concurrency: this.#options.maxQueue,
      threadsPerWorker: pool?.threadsPerWorker,
      completed: this.#completed,
      failed: this.#failed,
      failures: { ...this.#failures },
      retried: this.#retried,
      stalled: this.#stalled,
      resubmitted: this.#resubmitted,
      queued,
      inFlight,
      connected: this.#client.status === 'ready',
      reconnections: this.#reconnections,
      waitTimeMs: this.#wait.percentiles(),
      runTimeMs: this.#run.percentiles(),
      latencyMs: this.#latency.percentiles(),
    };
  }

  close(options: { abort?: boolean } = {}): Promise<void> {
    if (options.abort !== undefined && typeof options.abort !== 'boolean') {
      return Promise.reject(new InvalidOptionError('options.abort', `close(options): options.abort must be a boolean, got ${describeValue(options.abort)}`));
    }
    this.#closed = true;
    for (const wake of this.#roomWaiters.splice(0)) wake();
    if (options.abort) {
      this.#aborted = true;
      for (const job of [...this.#pending.values()]) {
        this.#fail(job, new PredictorClosedError('the predictor was closed with { abort: true } before this prediction finished'), true);
      }
    }
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    if (this.#pending.size > 0) await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    clearInterval(this.#timer);
    // Bounded: with Redis unreachable, BullMQ's close() would wait for it (its commands wait through outages).
    await withTimeout(this.#reconciling ?? Promise.resolve(), 2_000).catch(() => {});
    if (this.#client.status !== 'ready') {
      this.#client.disconnect();
      this.#eventsClient.disconnect();
    }
    await withTimeout(this.#events.close(), 2_000).catch(() => {});
    await withTimeout(this.#queue.close(), 2_000).catch(() => {});
    await Promise.all([closeRedis(this.#client), closeRedis(this.#eventsClient)]);
    // Every prediction has settled; jobs of other producers this worker still holds go back to the queue.
    await this.#worker?.close({ returnJobs: this.#aborted });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #settle(job: PendingJob): void {
    job.settled = true;
    job.dispose();
    this.#pending.delete(job.id);
    for (const wake of this.#roomWaiters.splice(0)) wake();
    if (this.#pending.size === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  /** Rejects `job`; with `withdraw`, also removes its job from Redis unless a worker has started it. */
  #fail(job: PendingJob, error: unknown, withdraw = false): void {
    if (job.settled) return;
    this.#settle(job);
    this.#count(error);
    job.reject(error);
    if (withdraw && job.state !== 'active' && this.#client.status === 'ready') {
      // BullMQ refuses to remove a job a worker holds (locked): that one finishes and its result is dropped.
      this.#queue.remove(job.id).catch(() => {});
    }
  }

  #count(error: unknown): void {
    this.#failed += 1;
    const code = YoloError.isInstance(error) ? error.code : 'OTHER';
    this.#failures[code] = (this.#failures[code] ?? 0) + 1;
  }

  #rejectNow(error: unknown): Promise<never> {
    this.#count(error);
    return Promise.reject(error);
  }
}
