import { registerErrorClasses, YoloError } from '@yolokit/core';

/**
 * A task did not finish within `taskTimeoutMs` (counted from submission, so queue wait counts too).
 * Code `TIMEOUT`.
 */
export class TaskTimeoutError extends YoloError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(
      'TIMEOUT',
      `the prediction did not finish within taskTimeoutMs=${timeoutMs} ms (queue wait included); raise taskTimeoutMs, add workers or submit less at once`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The predictor's queue already holds `maxQueue` waiting tasks. Code `QUEUE_FULL`. */
export class QueueFullError extends YoloError {
  readonly maxQueue: number;
  constructor(maxQueue: number) {
    super(
      'QUEUE_FULL',
      `the predictor's queue is full (maxQueue=${maxQueue} tasks waiting); wait for results before submitting more, or raise maxQueue`,
    );
    this.maxQueue = maxQueue;
  }
}

/** The predictor was closed before (or while) the task could run. Code `CLOSED`. */
export class PredictorClosedError extends YoloError {
  constructor(message = 'the predictor is closed; create a new one with createPredictor() to keep predicting') {
    super('CLOSED', message);
  }
}

/** The worker thread or process running the task exited before answering. Code `WORKER_DIED`. */
export class WorkerDiedError extends YoloError {
  /** `thread` or `process`. */
  readonly workerKind: 'thread' | 'process';
  /** The thread id or process id of the worker that died. */
  readonly workerId: number;
  /** The exit code or signal, when known. */
  readonly exit: string;
  constructor(workerKind: 'thread' | 'process', workerId: number, exit: string, options?: { cause?: unknown }) {
    super(
      'WORKER_DIED',
      `the worker ${workerKind} ${workerId} running this prediction exited (${exit}) before answering; the pool has replaced it. Retry the prediction, or create the predictor with retryOnWorkerDeath: true`,
      options,
    );
    this.workerKind = workerKind;
    this.workerId = workerId;
    this.exit = exit;
  }
}

/** {@link AsyncLock.acquire} waited longer than its `timeoutMs` for the lock. Code `TIMEOUT`. */
export class LockTimeoutError extends YoloError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(
      'TIMEOUT',
      `waited ${timeoutMs} ms for the lock without getting it (the holder is still running); raise timeoutMs or check for a holder that never finishes`,
    );
    this.timeoutMs = timeoutMs;
  }
}

// Errors from workers, processes and queue workers come back as instances of these classes (core's registry).
registerErrorClasses(TaskTimeoutError, QueueFullError, PredictorClosedError, WorkerDiedError, LockTimeoutError);
