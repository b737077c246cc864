import type { ImageInput, ModelInfo, Result } from '@yolokit/core';
import type { WireOptions } from './wire.js';

/** One thread or process that runs a model for a predictor. */
export interface WorkerInfo {
  readonly kind: 'main' | 'thread' | 'process';
  /** `threadId` of a worker thread, `pid` of a process, `0` for the calling thread. */
  readonly id: number;
}

/**
 * Runs predictions for the scheduler: at most {@link concurrency} at once. `signal` fires when the caller no
 * longer wants the answer (abort, timeout, close); the executor passes that on to the worker, but its promise
 * settles only when the worker is actually free again, so the scheduler never over-commits a worker. `call`
 * is what the caller gave with this task for the executor (the queue's job id; nothing for the pools).
 * @internal
 */
export interface Executor<Call = undefined> {
  readonly concurrency: number;
  /** Loads the model(s), or connects; rejects with the load error (closing whatever it started). */
  start(): Promise<void>;
  execute(image: ImageInput, options: WireOptions | undefined, signal: AbortSignal, call: Call): Promise<Result>;
  workers(): WorkerInfo[];
  /**
   * Workers that exited while the executor was not closing, busy or idle, since start (each one is replaced).
   * Absent for executors whose workers cannot die on their own (the calling thread, the queue's producer).
   */
  workerDeaths?(): number;
  /** The model's facts, once started (undefined for a live target that has none). */
  info(): ModelInfo | undefined;
  /** `drain`: every execute has settled; stop gracefully. `abort`: stop now. Resolves when all have exited. */
  close(mode: 'drain' | 'abort'): Promise<void>;
}
