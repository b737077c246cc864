import { type ImageInput, type PredictOptions, type Result, resolvePredictOptions, YoloError, type YoloErrorCode } from '@yolokit/core';
import { PredictorClosedError, QueueFullError, TaskTimeoutError } from './errors.js';
import type { Executor } from './executor.js';
import { LatencyRecorder, type Percentiles } from './latency-recorder.js';
import { abortErrorFrom, withoutSignal } from './signal-options.js';
import type { WireOptions } from './wire.js';

interface Job<Call> {
  readonly image: ImageInput;
  readonly options: WireOptions | undefined;
  readonly call: Call;
  readonly submittedAt: number;
  startedAt: number;
  attempts: number;
  state: 'queued' | 'running' | 'settled';
  /** Fires when the caller stops waiting; passed to the executor. */
  readonly controller: AbortController;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
  dispose: () => void;
}

export interface SchedulerOptions {
  readonly maxQueue: number;
  readonly taskTimeoutMs: number;
  readonly retryOnWorkerDeath: boolean;
  /**
   * The error when there is no room (every slot busy and `maxQueue` tasks waiting).
   * @defaultValue `new QueueFullError(maxQueue)`
   */
  readonly fullError?: () => Error;
}

/** Counters and timings of a scheduler. */
export interface SchedulerStats {
  /** Tasks that resolved with a result. */
  readonly completed: number;
  /** Tasks that rejected, for any reason (see {@link failures}). */
  readonly failed: number;
  /** Failed tasks by error code (`OTHER` for errors without one). */
  readonly failures: Readonly<Partial<Record<YoloErrorCode | 'OTHER', number>>>;
  /** Tasks retried once after their worker died. */
  readonly retried: number;
  /** Tasks waiting for a free worker. */
  readonly queued: number;
  /** Tasks a worker is running now (including cancelled ones it has not finished yet). */
  readonly inFlight: number;
  /** From submission to the start of the run, over recent completed tasks. */
  readonly waitTimeMs: Percentiles;
  /** From the start of the run to the result, over recent completed tasks. */
  readonly runTimeMs: Percentiles;
}

/**
 * The part every strategy shares: a bounded FIFO queue in front of an {@link Executor}, per-task timeout,
 * cancellation, optional retry after a worker death, draining close, statistics.
 * @internal
 */
export class Scheduler<Call = undefined> {
  readonly #executor: Executor<Call>;
  readonly #options: SchedulerOptions;
  readonly #queue: Job<Call>[] = [];
  #running = 0;
  #closed = false;
  #aborted = false;
  #drainWaiters: Array<() => void> = [];
  #completed = 0;
  #failed = 0;
  #retried = 0;
  readonly #failures: Partial<Record<YoloErrorCode | 'OTHER', number>> = {};
  readonly #wait = new LatencyRecorder();
  readonly #run = new LatencyRecorder();

  constructor(executor: Executor<Call>, options: SchedulerOptions) {
    this.#executor = executor;
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  submit(image: ImageInput, options: PredictOptions | undefined, signal: AbortSignal | undefined, call?: Call): Promise<Result> {
    if (this.#closed) return this.#rejectNow(new PredictorClosedError());
    let wire: WireOptions | undefined;
    try {
      // Validate here, in the caller's thread: a bad option fails at once, never occupies a worker, and gives
      // the same message in every strategy.
      resolvePredictOptions(options);
      wire = withoutSignal(options);
    } catch (error) {
      return this.#rejectNow(error);
    }
    const signals = [signal, options?.signal].filter((s): s is AbortSignal => s !== undefined);
    const aborted = signals.find((s) => s.aborted);
    if (aborted) return this.#rejectNow(abortErrorFrom(aborted));
    if (this.#running >= this.#executor.concurrency && this.#queue.length >= this.#options.maxQueue) {
      return this.#rejectNow(this.#options.fullError?.() ?? new QueueFullError(this.#options.maxQueue));
    }
    return new Promise<Result>((resolve, reject) => {
      const job: Job<Call> = {
        image,
        options: wire,
        call: call as Call,
        submittedAt: performance.now(),
        startedAt: 0,
        attempts: 0,
        state: 'queued',
        controller: new AbortController(),
        resolve,
        reject,
        dispose: () => {},
      };
      const onAbort = (event: Event): void => this.#fail(job, abortErrorFrom(event.target as AbortSignal));
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
      const timer = Number.isFinite(this.#options.taskTimeoutMs)
        ? setTimeout(() => this.#fail(job, new TaskTimeoutError(this.#options.taskTimeoutMs)), this.#options.taskTimeoutMs)
        : undefined;
      job.dispose = () => {
        if (timer !== undefined) clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', onAbort);
      };
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /**
   * {@link submit}, but waits for room in the queue instead of rejecting with `QUEUE_FULL` (for predictMany,
   * which shares the queue with other callers). The last check and the submit happen in one synchronous step,
   * so several waiting callers never overfill the queue between them.
   */
  async submitWhenRoom(image: ImageInput, options: PredictOptions | undefined, signal: AbortSignal | undefined, call?: Call): Promise<Result> {
    while (!this.#closed && this.#running >= this.#executor.concurrency && this.#queue.length >= this.#options.maxQueue) {
      if (signal?.aborted) throw abortErrorFrom(signal);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#roomWaiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    return this.submit(image, options, signal, call);
  }

  readonly #roomWaiters: Array<() => void> = [];

  #wakeRoomWaiters(): void {
    for (const wake of this.#roomWaiters.splice(0)) wake();
  }

  stats(): SchedulerStats {
    return {
      completed: this.#completed,
      failed: this.#failed,
      failures: { ...this.#failures },
      retried: this.#retried,
      queued: this.#queue.length,
      inFlight: this.#running,
      waitTimeMs: this.#wait.percentiles(),
      runTimeMs: this.#run.percentiles(),
    };
  }

  /**
   * Stops taking tasks. `drain`: queued and running tasks finish first. `abort`: they reject with
   * `PredictorClosedError` at once. Then the executor closes; resolves when its workers have exited.
   */
  async close(mode: 'drain' | 'abort'): Promise<void> {
    this.#closed = true;
    this.#wakeRoomWaiters();
    if (mode === 'abort') {
      this.#aborted = true;
      for (const job of this.#queue.slice()) this.#fail(job, new PredictorClosedError('the predictor was closed with { abort: true } before this task ran'));
      for (const job of [...this.#runningJobs]) this.#fail(job, new PredictorClosedError('the predictor was closed with { abort: true } while this task ran'));
    } else if (this.#queue.length > 0 || this.#running > 0) {
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    }
    await this.#executor.close(mode);
  }

  readonly #runningJobs = new Set<Job<Call>>();

  #dispatch(): void {
    while (this.#running < this.#executor.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#start(job);
    }
    if (this.#roomWaiters.length > 0 && (this.#closed || this.#running < this.#executor.concurrency || this.#queue.length < this.#options.maxQueue)) {
      this.#wakeRoomWaiters();
    }
    if (this.#queue.length === 0 && this.#running === 0) {
      for (const resolve of this.#drainWaiters.splice(0)) resolve();
    }
  }

  #start(job: Job<Call>): void {
    job.state = 'running';
    job.attempts += 1;
    job.startedAt = performance.now();
    this.#running += 1;
    this.#runningJobs.add(job);
    this.#executor.execute(job.image, job.options, job.controller.signal, job.call).then(
      (result) => {
        this.#finish(job);
        if (job.state === 'settled') return;
        this.#wait.record(job.startedAt - job.submittedAt);
        this.#run.record(performance.now() - job.startedAt);
        this.#settle(job);
        this.#completed += 1;
        job.resolve(result);
      },
      (error: unknown) => {
        this.#finish(job);
        if (job.state === 'settled') return;
        const died = YoloError.isInstance(error) && error.code === 'WORKER_DIED';
        if (died && this.#options.retryOnWorkerDeath && job.attempts < 2 && !this.#aborted) {
          this.#retried += 1;
          job.state = 'queued';
          this.#queue.unshift(job);
          return;
        }
        this.#fail(job, error);
      },
    ).finally(() => this.#dispatch());
  }

  #finish(job: Job<Call>): void {
    this.#running -= 1;
    this.#runningJobs.delete(job);
  }

  #settle(job: Job<Call>): void {
    job.state = 'settled';
    job.dispose();
  }

  #fail(job: Job<Call>, error: unknown): void {
    if (job.state === 'settled') return;
    if (job.state === 'queued') {
      const index = this.#queue.indexOf(job);
      if (index >= 0) this.#queue.splice(index, 1);
    } else {
      // Running: tell the worker; the slot frees when it answers.
      job.controller.abort(error);
    }
    this.#settle(job);
    this.#count(error);
    job.reject(error);
    this.#wakeRoomWaiters();
    if (this.#queue.length === 0 && this.#running === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
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
