import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createPredictor, isModelSpec, type ModelSpec, type Percentiles, type Predictor, type PredictorStats } from '@yolokit/concurrency';
import { LatencyRecorder } from '@yolokit/concurrency/internal';
import { describeValue, InvalidOptionError, type ModelInfo, serializeError, YoloError, type YoloErrorCode } from '@yolokit/core';
import { type Job, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueConnectionError } from './errors.js';
import { isTransient, toJobError } from './job-failure.js';
import { fromJobImage, type JobPayload, type JobReturn, PAYLOAD_VERSION, parsePayload, withoutImageBytes } from './job-payload.js';
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
import { resolveAllowRoots, resolveAllowUrls, SourcePolicy } from './source-policy.js';
import { withTimeout } from './with-timeout.js';
import { announceWorker, HEARTBEAT_MS, type QueueWorkerInfo, withdrawWorker } from './worker-registry.js';

/** The pools a queue worker can run its model instances in (see `@yolokit/concurrency`). */
export type QueueWorkerStrategy = 'threads' | 'processes';

export const QUEUE_WORKER_STRATEGIES: readonly QueueWorkerStrategy[] = Object.freeze(['threads', 'processes']);

/** Options of {@link createQueueWorker}. */
export interface QueueWorkerOptions {
  /** The BullMQ queue to take prediction jobs from (the producers' `queue`). */
  readonly queue: string;
  /** Where Redis is: `redis://host:6379`, or ioredis options. */
  readonly redis: RedisTarget;
  /** The model, as data (every instance of the pool loads its own). */
  readonly model: ModelSpec;
  /**
   * Where the model instances run: worker threads, or child processes (for runtimes that are not safe in
   * threads, such as tfjs-node). Inference never runs on the worker's event loop, which must stay free to renew
   * its jobs' locks.
   * @defaultValue 'threads'
   */
  readonly strategy?: QueueWorkerStrategy;
  /**
   * Model instances (threads or processes).
   * @defaultValue `@yolokit/concurrency`'s: cores ÷ `threadsPerWorker`
   */
  readonly workers?: number;
  /**
   * Intra-op threads of each instance's runtime.
   * @defaultValue `@yolokit/concurrency`'s: cores ÷ `workers`
   */
  readonly threadsPerWorker?: number;
  /**
   * Jobs this worker holds at once. More than `workers` keeps every instance busy while results and the next
   * jobs cross the network; every held job is a job that waits here rather than on an idle machine.
   * @defaultValue 2 × the pool's instances
   */
  readonly concurrency?: number;
  /**
   * The BullMQ key prefix; producers and workers of one queue must use the same.
   * @defaultValue 'yolokit'
   */
  readonly prefix?: string;
  /**
   * The worker's name, stored by BullMQ on each job it processes (`processedBy`) and shown by producers'
   * `workers()`.
   * @defaultValue `host:pid:random`
   */
  readonly name?: string;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it). A worker that dies holds its jobs
   * this long at most before the stalled check hands them to another worker.
   * @defaultValue 30000
   */
  readonly lockDurationMs?: number;
  /**
   * How often this worker looks for jobs whose worker died (their lock expired) and puts them back in line.
   * @defaultValue 30000
   */
  readonly stalledIntervalMs?: number;
  /**
   * How many times a job may be recovered from a dead worker before it is dead-lettered (`WORKER_DIED`).
   * @defaultValue 1
   */
  readonly maxStalledCount?: number;
  /**
   * Folders whose files jobs may name, by path or `file:` URL. Each must exist; it and every requested file are
   * resolved to their real path (symbolic links and `..` followed), and a file is read only when its real path
   * lies inside a root. Job data comes from whoever can write to the Redis: without roots this worker reads no
   * path named in a job (`SourceNotAllowedError`, code `SOURCE_NOT_ALLOWED`, not retried), whether it exists or
   * not. Images sent by value (bytes, raw pixels) are always accepted.
   * @defaultValue [] (no path is read)
   */
  readonly allowRoots?: readonly string[];
  /**
   * URL prefixes (absolute `http:`/`https:`) under which jobs' image URLs are downloaded: same scheme, host and
   * port, and a path at or below the prefix's. Redirects are followed one at a time and each target is checked
   * the same way. A host that resolves to a loopback, private or link-local address (IPv4 or IPv6, IPv4-mapped
   * included) is refused unless the prefix names it by address or as `localhost`. Without prefixes this worker
   * fetches no URL named in a job (`SourceNotAllowedError`).
   * @defaultValue [] (no URL is fetched)
   */
  readonly allowUrls?: readonly string[];
  /**
   * Run more than 4 runtime threads per core (`workers` × `threadsPerWorker`), which is refused without it.
   * @defaultValue false
   */
  readonly allowOversubscribe?: boolean;
  /**
   * Largest image this worker accepts by value or downloads from a URL, in bytes.
   * @defaultValue 8388608 (8 MiB)
   */
  readonly maxImageBytes?: number;
  /**
   * Longest wait for an image URL to download.
   * @defaultValue 30000
   */
  readonly fetchTimeoutMs?: number;
  /**
   * Longest a single prediction may take once its job started here; past it the attempt fails with `TIMEOUT`
   * and is retried with backoff.
   * @defaultValue Infinity
   */
  readonly taskTimeoutMs?: number;
  /**
   * On {@link QueueWorker.close}, how long running jobs may take to finish; those still running afterwards are
   * stopped and returned to the queue (without counting an attempt).
   * @defaultValue 30000
   */
  readonly shutdownTimeoutMs?: number;
  /**
   * How long to wait for Redis at start.
   * @defaultValue 10000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Told about connection losses, reconnections, failed attempts and returned jobs (for logs).
   */
  readonly onEvent?: (event: QueueWorkerEvent) => void;
  /**
   * Announce this worker in Redis (its model, pool and name) for producers' `info` and `workers()`.
   * @defaultValue true
   */
  readonly announce?: boolean;
}

/** What {@link QueueWorkerOptions.onEvent} hears. */
export type QueueWorkerEvent =
  | { readonly type: 'disconnected'; readonly redis: string }
  | { readonly type: 'reconnected'; readonly redis: string; readonly downForMs: number }
  | { readonly type: 'job-failed'; readonly jobId: string; readonly code: string; readonly message: string; readonly willRetry: boolean }
  | { readonly type: 'job-returned'; readonly jobId: string }
  | { readonly type: 'error'; readonly error: Error }
  /**
   * Redis accepts values far larger than any job should be (its `proto-max-bulk-len` is above
   * {@link JOB_BULK_LIMIT_WARNING}): a job written straight into Redis can make this worker parse hundreds of MB
   * before refusing it. Reported once at start; the queue README says how to bound it.
   */
  | { readonly type: 'redis-unbounded'; readonly redis: string; readonly protoMaxBulkLen: number };

/**
 * Above this `proto-max-bulk-len` the worker warns (`redis-unbounded`): 64 MiB, several times the base64 of the
 * default `maxImageBytes` (8 MiB, ~11 MB), far below Redis's own default of 512 MB.
 */
export const JOB_BULK_LIMIT_WARNING = 64 * 1024 * 1024;

/** What {@link QueueWorker.stats} reports. */
export interface QueueWorkerStats {
  /** Jobs this worker completed. */
  readonly completed: number;
  /** Failed attempts here, by code (`willRetry` ones included). */
  readonly failures: Readonly<Partial<Record<YoloErrorCode | 'OTHER', number>>>;
  /** Failed attempts that BullMQ will retry with backoff. */
  readonly retried: number;
  /** Failed attempts that dead-lettered their job (permanent errors, or the last attempt). */
  readonly deadLettered: number;
  /** Jobs given back to the queue at shutdown, unfinished and uncounted. */
  readonly returned: number;
  /** Jobs held now. */
  readonly active: number;
  /** Whether the connection to Redis is up. */
  readonly connected: boolean;
  /** From the job's start here to its result, over recent completed jobs. */
  readonly runTimeMs: Percentiles;
  /** The inner pool's own statistics. */
  readonly pool: PredictorStats;
}

/**
 * A running queue worker: takes prediction jobs from Redis and runs them on a pool of warm model instances.
 */
export interface QueueWorker extends AsyncDisposable {
  readonly name: string;
  readonly queue: string;
  /** The model, as the pool loaded it. */
  readonly info: ModelInfo;
  /** Jobs it holds at once. */
  readonly concurrency: number;
  stats(): QueueWorkerStats;
  /**
   * Stops taking jobs, lets running ones finish for up to `shutdownTimeoutMs` and returns the others to the
   * queue (not counted as attempts); then stops the pool and leaves Redis. With `{ returnJobs: true }`, returns
   * every held job at once. Idempotent.
   */
  close(options?: { returnJobs?: boolean }): Promise<void>;
}

const KNOWN_OPTIONS = new Set([
  'queue',
  'redis',
  'model',
  'strategy',
  'workers',
  'threadsPerWorker',
  'concurrency',
  'prefix',
  'name',
  'lockDurationMs',
  'stalledIntervalMs',
  'maxStalledCount',
  'allowRoots',
  'allowUrls',
  'allowOversubscribe',
  'maxImageBytes',
  'fetchTimeoutMs',
  'taskTimeoutMs',
  'shutdownTimeoutMs',
  'connectTimeoutMs',
  'onEvent',
  'announce',
]);

/** {@link QueueWorkerOptions} checked, with defaults (concurrency stays undefined: it depends on the pool). */
export function resolveQueueWorkerOptions(options: unknown) {
  const o = optionsObject(options, 'createQueueWorker(options)');
  rejectUnknown(o, KNOWN_OPTIONS, 'a queue worker');
  const queue = queueName(o.queue);
  const redis = validateRedisTarget(o.redis, 'options.redis');
  if (!isModelSpec(o.model)) {
    throw new InvalidOptionError('options.model', `options.model must be a model spec { backend: { module, export?, options? }, model }, got ${describeValue(o.model)}`);
  }
  const strategy = oneOf(o.strategy, 'options.strategy', QUEUE_WORKER_STRATEGIES, 'threads');
  const name = o.name === undefined ? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}` : o.name;
  if (typeof name !== 'string' || name === '' || /\s/.test(name)) {
    throw new InvalidOptionError('options.name', `options.name must be a non-empty name without spaces, got ${describeValue(name)}`);
  }
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') {
    throw new InvalidOptionError('options.onEvent', `options.onEvent must be a function, got ${describeValue(o.onEvent)}`);
  }
  const lockDurationMs = milliseconds(o.lockDurationMs, 'options.lockDurationMs', 30_000);
  const stalledIntervalMs = milliseconds(o.stalledIntervalMs, 'options.stalledIntervalMs', 30_000);
  return {
    queue,
    redis,
    model: o.model as ModelSpec,
    strategy,
    workers: positiveInteger(o.workers, 'options.workers'),
    threadsPerWorker: positiveInteger(o.threadsPerWorker, 'options.threadsPerWorker'),
    concurrency: positiveInteger(o.concurrency, 'options.concurrency'),
    prefix: prefixOption(o.prefix),
    name,
    lockDurationMs,
    stalledIntervalMs,
    maxStalledCount: positiveInteger(o.maxStalledCount, 'options.maxStalledCount', 1),
    allowRoots: resolveAllowRoots(o.allowRoots),
    allowUrls: resolveAllowUrls(o.allowUrls),
    allowOversubscribe: booleanOption(o.allowOversubscribe, 'options.allowOversubscribe', false),
    maxImageBytes: positiveInteger(o.maxImageBytes, 'options.maxImageBytes', DEFAULT_MAX_IMAGE_BYTES),
    fetchTimeoutMs: milliseconds(o.fetchTimeoutMs, 'options.fetchTimeoutMs', 30_000),
    taskTimeoutMs: milliseconds(o.taskTimeoutMs, 'options.taskTimeoutMs', Number.POSITIVE_INFINITY, true),
    shutdownTimeoutMs: milliseconds(o.shutdownTimeoutMs, 'options.shutdownTimeoutMs', 30_000),
    connectTimeoutMs: milliseconds(o.connectTimeoutMs, 'options.connectTimeoutMs', 10_000),
    onEvent: o.onEvent as ((event: QueueWorkerEvent) => void) | undefined,
    announce: booleanOption(o.announce, 'options.announce', true),
  };
}

type ResolvedWorkerOptions = ReturnType<typeof resolveQueueWorkerOptions>;

/**
 * Starts a queue worker: loads the model in every instance of its pool first (a worker whose model cannot
 * load never takes a job; this rejects with the load's typed error), then connects to Redis and takes jobs.
 *
 * @example
 * ```ts
 * import { onnxSpec } from '@yolokit/backend-onnx/spec';
 * import { createQueueWorker } from '@yolokit/queue';
 *
 * const worker = await createQueueWorker({
 *   queue: 'detect',
 *   redis: 'redis://10.0.0.5:6379',
 *   model: { backend: onnxSpec(), model: '/models/yolov8n.onnx' },
 *   strategy: 'threads',
 *   workers: 4,
 * });
 * process.once('SIGTERM', () => void worker.close()); // finish or return held jobs, then exit
 * ```
 */
export async function createQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const resolved = resolveQueueWorkerOptions(options);
  const pool = await createPredictor({
    strategy: resolved.strategy,
    model: resolved.model,
    ...(resolved.workers === undefined ? {} : { workers: resolved.workers }),
    ...(resolved.threadsPerWorker === undefined ? {} : { threadsPerWorker: resolved.threadsPerWorker }),
    ...(resolved.allowOversubscribe ? { allowOversubscribe: true } : {}),
    taskTimeoutMs: resolved.taskTimeoutMs,
    maxQueue: Number.POSITIVE_INFINITY,
    // A dead instance fails the attempt (WORKER_DIED, transient): the queue's retry and backoff apply.
    retryOnWorkerDeath: false,
  });
  const client = openRedis(resolved.redis, `yolokit-worker:${resolved.name}`);
  try {
    await waitUntilReady(client, resolved.connectTimeoutMs);
  } catch (error) {
    client.disconnect();
    await pool.close({ abort: true });
    throw new QueueConnectionError(redactRedis(resolved.redis), resolved.connectTimeoutMs, undefined, { cause: error, when: 'while the worker started' });
  }
  const worker = new RunningQueueWorker(resolved, pool, client);
  try {
    await worker.start();
  } catch (error) {
    await worker.close({ returnJobs: true });
    throw error;
  }
  return worker;
}

class RunningQueueWorker implements QueueWorker {
  readonly name: string;
  readonly queue: string;
  readonly info: ModelInfo;
  readonly concurrency: number;
  readonly #options: ResolvedWorkerOptions;
  readonly #pool: Predictor;
  readonly #sources: SourcePolicy;
  readonly #client: Redis;
  readonly #worker: Worker;
  /** Jobs held now, by id: aborting one gives the job back to the queue. */
  readonly #held = new Map<string, AbortController>();
  readonly #drainWaiters: Array<() => void> = [];
  readonly #run = new LatencyRecorder();
  readonly #failures: Partial<Record<YoloErrorCode | 'OTHER', number>> = {};
  #completed = 0;
  #retried = 0;
  #deadLettered = 0;
  #returned = 0;
  #downSince: number | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #returning = false;

  constructor(options: ResolvedWorkerOptions, pool: Predictor, client: Redis) {
    this.#options = options;
    this.#pool = pool;
    this.#sources = new SourcePolicy(options.allowRoots, options.allowUrls);
    this.#client = client;
    this.name = options.name;
    this.queue = options.queue;
    this.info = pool.info!;
    this.concurrency = options.concurrency ?? 2 * pool.stats().concurrency;
    const redis = redactRedis(options.redis);
    client.on('close', () => {
      if (this.#downSince === undefined && !this.#closing) {
        this.#downSince = performance.now();
        this.#emit({ type: 'disconnected', redis });
      }
    });
    client.on('ready', () => {
      if (this.#downSince !== undefined) {
        const downForMs = performance.now() - this.#downSince;
        this.#downSince = undefined;
        this.#emit({ type: 'reconnected', redis, downForMs });
        void this.#announce();
      }
    });
    this.#worker = new Worker(options.queue, (job, token, signal) => this.#process(job, token, signal), {
      connection: client,
      prefix: options.prefix,
      name: options.name,
      autorun: false,
      concurrency: this.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
      // BullMQ waits this long before retrying to record a finished job after a connection error (15 s by
      // default); shorter, so a slot is not blocked long after Redis comes back.
      runRetryDelay: 1_000,
    });
    this.#worker.on('error', (error) => this.#emit({ type: 'error', error }));
    // A job that stalled more than maxStalledCount times (its workers died holding it) is failed by BullMQ itself
    // when a worker next takes it, without calling #process: its image bytes would stay in Redis for keepFailed
    // (7 days by default). Every failed-for-good job passes here (finishedOn is set only when it will not be
    // retried); those #process failed are already stripped, so this is one check for them.
    this.#worker.on('failed', (job) => {
      if (job?.finishedOn !== undefined) void this.#dropImageData(job);
    });
  }

  async start(): Promise<void> {
    await this.#worker.waitUntilReady();
    await this.#checkJobSizeBound();
    await this.#announce();
    this.#heartbeat = setInterval(() => void this.#announce(), HEARTBEAT_MS);
    this.#heartbeat.unref();
    // run() resolves when the worker closes; its failures are reported as events.
    this.#worker.run().catch((error: Error) => this.#emit({ type: 'error', error }));
  }

  /**
   * BullMQ hands this worker a job's whole data before any check of ours can run, so only Redis can bound what one
   * job costs (issue 15): say so when it does not. A Redis that refuses CONFIG (managed services often do) is
   * taken as configured by someone who knows.
   */
  async #checkJobSizeBound(): Promise<void> {
    let reply: unknown;
    try {
      reply = await this.#client.config('GET', 'proto-max-bulk-len');
    } catch {
      return;
    }
    const value = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
    if (Number.isFinite(value) && value > JOB_BULK_LIMIT_WARNING) {
      this.#emit({ type: 'redis-unbounded', redis: redactRedis(this.#options.redis), protoMaxBulkLen: value });
    }
  }

  async #announce(): Promise<void> {
    if (!this.#options.announce || this.#closing) return;
    const info: QueueWorkerInfo = {
      name: this.name,
      host: hostname(),
      pid: process.pid,
      strategy: this.#options.strategy,
      workers: this.#pool.stats().workers.length,
      concurrency: this.concurrency,
      info: this.info,
      startedAt: Date.now(),
    };
    try {
      await announceWorker(this.#client, this.#options.prefix, this.queue, info);
    } catch (error) {
      this.#emit({ type: 'error', error: error as Error });
    }
  }

  async #process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<JobReturn> {
    const started = performance.now();
    const id = String(job.id);
    const giveBack = new AbortController();
    this.#held.set(id, giveBack);
    if (this.#returning) giveBack.abort();
    const stop = signal ? AbortSignal.any([signal, giveBack.signal]) : giveBack.signal;
    try {
      const payload = parsePayload(job.data, this.#options.maxImageBytes);
      const image = await fromJobImage(payload.image, this.#sources, { maxImageBytes: this.#options.maxImageBytes, fetchTimeoutMs: this.#options.fetchTimeoutMs, signal: stop });
      const result = await this.#pool.predict(image, payload.options, { signal: stop });
      const runMs = performance.now() - started;
      this.#run.record(runMs);
      this.#completed += 1;
      // Masks as base64 bits (BullMQ stores return values as JSON), not COCO RLE: measured on bus.jpg's 4 masks,
      // 0.4 ms to encode and 2 ms to decode against RLE's 20 and 30 ms, for 104 kB of JSON against 5 kB.
      return { v: PAYLOAD_VERSION, result: result.toWire('base64'), worker: this.name, runMs, attemptsMade: job.attemptsMade, attemptsStarted: job.attemptsStarted ?? 1 };
    } catch (error) {
      if (giveBack.signal.aborted && token !== undefined) {
        // Shutting down: the job goes back to the queue as it was (no attempt counted) for another worker.
        await job.moveToWait(token);
        this.#returned += 1;
        this.#emit({ type: 'job-returned', jobId: id });
        throw new WaitingError();
      }
      const serialized = serializeError(error);
      const code = YoloError.isInstance(error) ? error.code : 'OTHER';
      this.#failures[code] = (this.#failures[code] ?? 0) + 1;
      const willRetry = isTransient(error) && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      if (willRetry) this.#retried += 1;
      else this.#deadLettered += 1;
      this.#emit({ type: 'job-failed', jobId: id, code: serialized.code, message: serialized.message, willRetry });
      // A dead letter keeps its error for keepFailed (7 days by default), not the megabytes of its image.
      if (!willRetry) await this.#dropImageData(job);
      throw toJobError(error);
    } finally {
      this.#held.delete(id);
      if (this.#held.size === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  /** Replaces the job's image sent by value with its size, in Redis (its path or URL, short, stays). */
  async #dropImageData(job: Job): Promise<void> {
    const image = (job.data as { image?: { kind?: unknown; base64?: unknown } } | undefined)?.image;
    if (typeof image?.base64 !== 'string' || image.base64 === '') return;
    try {
      await job.updateData(withoutImageBytes(job.data as JobPayload));
    } catch (error) {
      // Redis away: the job keeps its data, which is no worse than before; the failure itself matters more.
      this.#emit({ type: 'error', error: error as Error });
    }
  }

  #emit(event: QueueWorkerEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A logger that throws must not break job handling.
    }
  }

  stats(): QueueWorkerStats {
    return {
      completed: this.#completed,
      failures: { ...this.#failures },
      retried: this.#retried,
      deadLettered: this.#deadLettered,
      returned: this.#returned,
      active: this.#held.size,
      connected: this.#client.status === 'ready',
      runTimeMs: this.#run.percentiles(),
      pool: this.#pool.stats(),
    };
  }

  close(options: { returnJobs?: boolean } = {}): Promise<void> {
    let returnJobs: boolean;
    try {
      returnJobs = booleanOption(options.returnJobs, 'options.returnJobs', false);
    } catch (error) {
      return Promise.reject(error);
    }
    if (returnJobs) this.#returnHeldJobs();
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  #returnHeldJobs(): void {
    this.#returning = true;
    for (const controller of this.#held.values()) controller.abort();
  }

  async #shutDown(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#options.announce && this.#client.status === 'ready') {
      await withTimeout(withdrawWorker(this.#client, this.#options.prefix, this.queue, this.name), 2_000).catch(() => {});
    }
    try {
      // Stop taking jobs; the held ones finish until the deadline, then go back to the queue.
      await withTimeout(this.#worker.pause(true), 2_000).catch(() => {});
      const finished = await withTimeout(this.#heldDrained(), this.#options.shutdownTimeoutMs).then(
        () => true,
        () => false,
      );
      if (!finished) {
        this.#returnHeldJobs();
        await withTimeout(this.#heldDrained(), 5_000).catch(() => {});
      }
      // With Redis up, BullMQ's close() waits until the last results are recorded. Without Redis nothing can be
      // recorded (other workers recover the jobs once their locks expire), and close(true) does not wait for it.
      const force = this.#client.status !== 'ready';
      const closed = await withTimeout(this.#worker.close(force), 5_000).then(
        () => true,
        () => false,
      );
      if (!closed) {
        // Redis went away during close(): cut the connections (BullMQ's own blocking one included) and stop the
        // lock renewal timer that close() would have stopped, so nothing keeps this process alive.
        await withTimeout(this.#worker.disconnect(), 2_000).catch(() => {});
        await (this.#worker as unknown as { lockManager?: { close(): Promise<void> } }).lockManager?.close().catch(() => {});
      }
    } finally {
      await this.#pool.close({ abort: true });
      await closeRedis(this.#client);
    }
  }

  /** Resolves when no job is held (every processor call has returned). */
  #heldDrained(): Promise<void> {
    if (this.#held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
