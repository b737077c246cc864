/**
 * The queue strategy behind `@yolokit/concurrency`'s executor seam: one `execute` is one BullMQ job, enqueued in
 * Redis and settled by the events (and state checks) of the queue. The concurrency package's scheduler in front of
 * it does what every strategy shares: the bound on predictions waiting (`maxQueue`), timeouts, cancellation,
 * draining close and the counters. This class does what only the queue does: jobs, their ids, the connection,
 * resubmission of lost jobs, and the queue's own statistics.
 * @internal
 */
import { randomBytes } from 'node:crypto';
import type { Executor, Percentiles, WireOptions, WorkerInfo } from '@yolokit/concurrency';
import { LatencyRecorder } from '@yolokit/concurrency/internal';
import { describeValue, type ImageInput, InferenceError, InvalidOptionError, type ModelInfo, type Result, YoloError } from '@yolokit/core';
import { type Job, type JobsOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobLostError, QueueConnectionError } from './errors.js';
import { fromFailedJob } from './job-failure.js';
import { JOB_NAME, type JobPayload, type JobReturn, PAYLOAD_VERSION, resultOfJobReturn, sourceOf, toJobImage } from './job-payload.js';
import type { KeepJobsPolicy, ResolvedPredictorOptions } from './queue-predictor.js';
import type { QueueWorker } from './queue-worker.js';
import { closeRedis, openRedis, redactRedis, waitUntilReady } from './redis-connection.js';
import { withTimeout } from './with-timeout.js';
import { listWorkers } from './worker-registry.js';

/** What a caller gives with one prediction: the job's id, when it chooses one. */
export interface QueueCall {
  readonly jobId?: string;
}

/** The queue's own statistics, beside the scheduler's. */
export interface QueueExecutorStats {
  /** Completed jobs that were started more than once. */
  readonly retried: number;
  readonly stalled: number;
  readonly resubmitted: number;
  /** Jobs no worker has started yet. */
  readonly queued: number;
  /** Jobs a worker is running. */
  readonly inFlight: number;
  readonly connected: boolean;
  readonly reconnections: number;
  /** From submission to a worker starting the job. */
  readonly waitTimeMs: Percentiles;
  /** What workers reported as their time on the job. */
  readonly runTimeMs: Percentiles;
  /** From submission to result. */
  readonly latencyMs: Percentiles;
}

interface PendingJob {
  readonly id: string;
  data: JobPayload | undefined;
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

/** BullMQ's rule for custom job ids: no `:`, not a number. */
export function validateJobId(jobId: unknown, option: string): string {
  if (typeof jobId !== 'string' || jobId === '' || jobId.includes(':') || /^\d+$/.test(jobId)) {
    throw new InvalidOptionError(option, `${option} must be a non-empty string without ':' that is not a number (BullMQ's rule for custom ids), got ${describeValue(jobId)}`);
  }
  return jobId;
}

/** BullMQ's `removeOnComplete` / `removeOnFail` for a keep policy (BullMQ's option says what to remove). */
function removeOption(keep: KeepJobsPolicy): JobsOptions['removeOnComplete'] {
  if (keep === true) return false;
  if (keep === false) return true;
  if (keep.ageSeconds === undefined) return { count: keep.count as number };
  return { age: keep.ageSeconds, ...(keep.count === undefined ? {} : { count: keep.count }) };
}

/** @internal */
export class QueueExecutor implements Executor<QueueCall | undefined> {
  /** Jobs of this producer in Redis at once: `maxQueue` (the scheduler keeps none waiting on this side). */
  readonly concurrency: number;
  /** This producer's id, the prefix of the job ids it makes. */
  readonly id = randomBytes(4).toString('hex');
  readonly #options: ResolvedPredictorOptions;
  /** This process's own queue worker (`createPredictor` with a model), closed after the producer. */
  readonly #worker: QueueWorker | undefined;
  readonly #client: Redis;
  readonly #eventsClient: Redis;
  #queue: Queue | undefined;
  #events: QueueEvents | undefined;
  #info: ModelInfo | undefined;
  readonly #pending = new Map<string, PendingJob>();
  readonly #jobOptions: JobsOptions;
  readonly #redis: string;
  #sequence = 0;
  #downSince: number | undefined;
  #reconciling: Promise<void> | undefined;
  #lastReconcile = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #retried = 0;
  #stalled = 0;
  #resubmitted = 0;
  #reconnections = 0;
  readonly #wait = new LatencyRecorder();
  readonly #run = new LatencyRecorder();
  readonly #latency = new LatencyRecorder();

  constructor(options: ResolvedPredictorOptions, worker: QueueWorker | undefined) {
    this.#options = options;
    this.#worker = worker;
    this.concurrency = options.maxQueue;
    this.#redis = redactRedis(options.redis);
    this.#client = openRedis(options.redis, `yolokit-producer:${this.id}`);
    this.#eventsClient = openRedis(options.redis, `yolokit-producer-events:${this.id}`);
    this.#jobOptions = {
      attempts: options.attempts,
      backoff: { type: options.backoff.type, delay: options.backoff.delayMs },
      removeOnComplete: removeOption(options.keepResults),
      removeOnFail: removeOption(options.keepFailed),
    };
  }

  /** The BullMQ queue, once started. */
  get queue(): Queue {
    return this.#queue!;
  }

  get client(): Redis {
    return this.#client;
  }

  /** Connects to Redis, or rejects with `QueueConnectionError` after `connectTimeoutMs` (having disconnected). */
  async start(): Promise<void> {
    const options = this.#options;
    try {
      await Promise.all([waitUntilReady(this.#client, options.connectTimeoutMs), waitUntilReady(this.#eventsClient, options.connectTimeoutMs)]);
      // Events are read from now on (by Redis' clock), so none between here and the first read is missed.
      const [seconds, micros] = await this.#client.time();
      const lastEventId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`;
      this.#queue = new Queue(options.queue, { connection: this.#client, prefix: options.prefix });
      this.#events = new QueueEvents(options.queue, { connection: this.#eventsClient, prefix: options.prefix, lastEventId });
      this.#queue.on('error', () => {});
      this.#events.on('error', () => {});
      await Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady()]);
      const announced = await listWorkers(this.#client, options.prefix, options.queue).catch(() => []);
      this.#info = this.#worker?.info ?? announced[0]?.info;
    } catch (error) {
      await this.#events?.close().catch(() => {});
      await this.#queue?.close().catch(() => {});
      this.#client.disconnect();
      this.#eventsClient.disconnect();
      if (YoloError.isInstance(error)) throw error;
      throw new QueueConnectionError(this.#redis, options.connectTimeoutMs, undefined, { cause: error, when: 'while the producer connected' });
    }
    this.#listen(this.#events);
    // One timer for connection-loss deadlines and the periodic state check.
    this.#timer = setInterval(() => this.#tick(), Math.min(1_000, options.reconcileIntervalMs));
    this.#timer.unref();
  }

  #listen(events: QueueEvents): void {
    this.#client.on('close', () => {
      this.#downSince ??= performance.now();
    });
    this.#client.on('ready', () => {
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
  }

  /**
   * Enqueues one job and settles with its outcome. `signal` (the caller stopped waiting: abort, timeout, close
   * with abort) settles it at once and withdraws the job unless a worker has started it.
   */
  execute(image: ImageInput, options: WireOptions | undefined, signal: AbortSignal, call: QueueCall | undefined): Promise<Result> {
    let jobId: string;
    try {
      jobId = call?.jobId === undefined ? `${this.id}-${++this.#sequence}` : validateJobId(call.jobId, 'call.jobId');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#pending.has(jobId)) {
      return Promise.reject(new InvalidOptionError('call.jobId', `call.jobId ${jobId} is already waiting for its result in this producer; await that call instead`));
    }
    return new Promise<Result>((resolve, reject) => {
      const job: PendingJob = {
        id: jobId,
        // Filled once the image is encoded; the job is registered first so that its id is taken at once.
        data: undefined,
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
      const onAbort = (): void => this.#fail(job, signal.reason, true);
      signal.addEventListener('abort', onAbort, { once: true });
      job.dispose = () => signal.removeEventListener('abort', onAbort);
      this.#pending.set(jobId, job);
      void this.#enqueue(job, image, options, call?.jobId !== undefined);
    });
  }

  async #enqueue(job: PendingJob, image: ImageInput, options: WireOptions | undefined, givenId: boolean): Promise<void> {
    try {
      const encoded = await toJobImage(image, this.#options.imageTransport, this.#options.maxImageBytes);
      job.data = { v: PAYLOAD_VERSION, image: encoded, ...(options === undefined ? {} : { options }) };
    } catch (error) {
      this.#fail(job, error);
      return;
    }
    if (job.settled) return;
    await this.#add(job);
    // An id given by the caller may name a job that already finished (and is kept): take its outcome.
    if (givenId && !job.settled) {
      const state = await this.queue.getJobState(job.id).catch(() => undefined);
      if (state === 'completed' || state === 'failed') await this.#collect(job);
    }
  }

  async #add(job: PendingJob): Promise<void> {
    try {
      await this.queue.add(JOB_NAME, job.data, { ...this.#jobOptions, jobId: job.id });
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
    job.resolve(result);
  }

  /**
   * Reads a finished job from Redis and settles `job` with its outcome. `failedReason` comes with a `failed`
   * event, for a job that `keepFailed: false` removed at once.
   */
  async #collect(job: PendingJob, failedReason?: string): Promise<void> {
    let stored: Job | undefined;
    try {
      stored = await this.queue.getJob(job.id);
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
            state = await this.queue.getJobState(job.id);
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

  /** The threads of this process's own queue worker, if any (the queue's other workers: `workers()` of the predictor). */
  workers(): WorkerInfo[] {
    return [...(this.#worker?.stats().pool.workers ?? [])];
  }

  /** Intra-op threads of this process's own queue worker's instances, if any. */
  threadsPerWorker(): number | undefined {
    return this.#worker?.stats().pool.threadsPerWorker;
  }

  workerDeaths(): number {
    return this.#worker?.stats().pool.workerDeaths ?? 0;
  }

  info(): ModelInfo | undefined {
    return this.#info;
  }

  stats(): QueueExecutorStats {
    let queued = 0;
    let inFlight = 0;
    for (const job of this.#pending.values()) {
      if (job.state === 'active') inFlight += 1;
      else queued += 1;
    }
    return {
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

  /**
   * Every execute has settled (the scheduler saw to it): leaves Redis, then closes this process's own worker
   * (with `abort`, the jobs it holds go back to the queue at once).
   */
  async close(mode: 'drain' | 'abort'): Promise<void> {
    clearInterval(this.#timer);
    // Bounded: with Redis unreachable, BullMQ's close() would wait for it (its commands wait through outages).
    await withTimeout(this.#reconciling ?? Promise.resolve(), 2_000).catch(() => {});
    if (this.#client.status !== 'ready') {
      this.#client.disconnect();
      this.#eventsClient.disconnect();
    }
    if (this.#events) await withTimeout(this.#events.close(), 2_000).catch(() => {});
    if (this.#queue) await withTimeout(this.#queue.close(), 2_000).catch(() => {});
    await Promise.all([closeRedis(this.#client), closeRedis(this.#eventsClient)]);
    await this.#worker?.close({ returnJobs: mode === 'abort' });
  }

  #settle(job: PendingJob): void {
    job.settled = true;
    job.dispose();
    this.#pending.delete(job.id);
  }

  /** Rejects `job`; with `withdraw`, also removes its job from Redis unless a worker has started it. */
  #fail(job: PendingJob, error: unknown, withdraw = false): void {
    if (job.settled) return;
    this.#settle(job);
    job.reject(error);
    if (withdraw && job.state !== 'active' && this.#client.status === 'ready') {
      // BullMQ refuses to remove a job a worker holds (locked): that one finishes and its result is dropped.
      this.#queue?.remove(job.id).catch(() => {});
    }
  }
}
