/**
 * How a typed error crosses Redis. BullMQ stores a failed attempt's `message` (as `failedReason`) and its
 * `stack` (in the job's `stacktrace` list); the worker puts the serialized `YoloError` on the first line of the
 * stack, after a marker, so a producer on another machine rebuilds the same class (core's error registry), code,
 * message and fields.
 */
import { deserializeError, InferenceError, type SerializedYoloError, serializeError, YoloError, type YoloErrorCode } from '@yolokit/core';
import { UnrecoverableError } from 'bullmq';
import { JobStalledError } from './errors.js';

const MARKER = 'yolokit-error ';

/** Codes a later attempt cannot fix: the input or the model is wrong. Everything else is retried with backoff. */
const PERMANENT: ReadonlySet<YoloErrorCode> = new Set<YoloErrorCode>([
  'IMAGE_UNREADABLE',
  'IMAGE_TOO_SMALL',
  'INVALID_OPTION',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'MODEL_OUTPUT_UNSUPPORTED',
  'BACKEND_UNAVAILABLE',
  // The worker's allowed roots and URL prefixes do not change between attempts.
  'SOURCE_NOT_ALLOWED',
]);

/** Whether another attempt may succeed: a dead inner worker, a timeout, a runtime hiccup, a flaky download. */
export function isTransient(error: unknown): boolean {
  if (!YoloError.isInstance(error)) return true;
  const retryable = (error as { retryable?: unknown }).retryable;
  if (typeof retryable === 'boolean') return retryable;
  return !PERMANENT.has(error.code);
}

/** What the error of a failed job carries besides its own fields: which job, after how many attempts. */
export interface JobErrorFields {
  /** The job's id in the queue (`predict(..., { jobId })`, or the producer's own). */
  readonly jobId: string;
  /** Attempts BullMQ counted as failed when the job was dead-lettered. */
  readonly attemptsMade: number;
}

/**
 * The error a queue prediction rejects with when its job failed on a worker: an instance of the class the
 * worker threw (`instanceof ImageDecodeError`, `ModelLoadError`, ... hold, through core's error registry), with
 * its code, message and fields, plus {@link JobErrorFields}.
 */
export type JobError<E extends YoloError = YoloError> = E & JobErrorFields;

/** Whether `error` is the error of a failed queue job (a {@link JobError}: it carries `jobId` and `attemptsMade`). */
export function isJobError(error: unknown): error is JobError {
  return YoloError.isInstance(error) && typeof (error as { jobId?: unknown }).jobId === 'string' && typeof (error as { attemptsMade?: unknown }).attemptsMade === 'number';
}

/**
 * The error a BullMQ processor throws for `error`: an `UnrecoverableError` (no more attempts) when it is
 * permanent, a plain `Error` (retried with backoff while attempts remain) otherwise.
 */
export function toJobError(error: unknown): Error {
  const serialized = serializeError(error);
  const message = `${serialized.code}: ${serialized.message}`;
  const thrown = isTransient(error) ? new Error(message) : new UnrecoverableError(message);
  const origin = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  thrown.stack = `${MARKER}${JSON.stringify(serialized)}${origin}`;
  return thrown;
}

/**
 * The typed error of a dead-lettered job, rebuilt from what BullMQ stored.
 * @internal
 */
export function fromFailedJob(job: { id?: string; failedReason?: string; stacktrace?: string[] | null; attemptsMade?: number }): JobError {
  const jobId = String(job.id);
  const fields: JobErrorFields = { jobId, attemptsMade: job.attemptsMade ?? 0 };
  const reason = job.failedReason ?? 'unknown reason';
  // BullMQ's own verdicts (checked first: an earlier attempt's stack may still carry a worker's error).
  if (/stalled more than allowable limit|started more than allowable limit/.test(reason)) {
    return Object.assign(new JobStalledError(jobId, reason), fields);
  }
  const traces = job.stacktrace ?? [];
  for (let i = traces.length - 1; i >= 0; i--) {
    const trace = traces[i];
    if (typeof trace !== 'string' || !trace.startsWith(MARKER)) continue;
    const line = trace.slice(MARKER.length).split('\n', 1)[0];
    try {
      const error = deserializeError(JSON.parse(line) as SerializedYoloError);
      return Object.assign(error, fields);
    } catch {
      break;
    }
  }
  return Object.assign(new InferenceError(`job ${jobId} failed: ${reason}`), fields);
}
