/**
 * How a typed error crosses Redis. BullMQ stores a failed attempt's `message` (as `failedReason`) and its
 * `stack` (in the job's `stacktrace` list); the worker puts the serialized `YoloError` on the first line of the
 * stack, after a marker, so a producer on another machine rebuilds the same code, message and fields.
 * @internal
 */
import { deserializeError, InferenceError, type SerializedYoloError, YoloError, type YoloErrorCode } from '@yolokit/core';
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
]);

/** Whether another attempt may succeed: a dead inner worker, a timeout, a runtime hiccup, a flaky download. */
export function isTransient(error: unknown): boolean {
  if (!YoloError.isInstance(error)) return true;
  const retryable = (error as { retryable?: unknown }).retryable;
  if (typeof retryable === 'boolean') return retryable;
  return !PERMANENT.has(error.code);
}

/** Any thrown value as a serialized `YoloError` (plain errors become `INFERENCE_FAILED`). */
export function serializeFailure(error: unknown): SerializedYoloError {
  if (YoloError.isInstance(error)) {
    const serialized = error.toJSON();
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? { ...serialized, causeMessage: cause.message } : serialized;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InferenceError(`the worker failed: ${message}`).toJSON();
}

/**
 * The error a BullMQ processor throws for `error`: an `UnrecoverableError` (no more attempts) when it is
 * permanent, a plain `Error` (retried with backoff while attempts remain) otherwise.
 */
export function toJobError(error: unknown): Error {
  const serialized = serializeFailure(error);
  const message = `${serialized.code}: ${serialized.message}`;
  const thrown = isTransient(error) ? new Error(message) : new UnrecoverableError(message);
  const origin = error instanceof Error && error.stack ? `\n${error.stack}` : '';
  thrown.stack = `${MARKER}${JSON.stringify(serialized)}${origin}`;
  return thrown;
}

/** The typed error of a dead-lettered job, rebuilt from what BullMQ stored. */
export function fromFailedJob(job: { id?: string; failedReason?: string; stacktrace?: string[] | null; attemptsMade?: number }): YoloError {
  const jobId = String(job.id);
  const reason = job.failedReason ?? 'unknown reason';
  // BullMQ's own verdicts (checked first: an earlier attempt's stack may still carry a worker's error).
  if (/stalled more than allowable limit|started more than allowable limit/.test(reason)) {
    return Object.assign(new JobStalledError(jobId, reason), { attemptsMade: job.attemptsMade ?? 0 });
  }
  const traces = job.stacktrace ?? [];
  for (let i = traces.length - 1; i >= 0; i--) {
    const trace = traces[i];
    if (typeof trace !== 'string' || !trace.startsWith(MARKER)) continue;
    const line = trace.slice(MARKER.length).split('\n', 1)[0];
    try {
      const error = deserializeError(JSON.parse(line) as SerializedYoloError);
      return Object.assign(error, { jobId, attemptsMade: job.attemptsMade ?? 0 });
    } catch {
      break;
    }
  }
  return Object.assign(new InferenceError(`job ${jobId} failed: ${reason}`), { jobId, attemptsMade: job.attemptsMade ?? 0 });
}
