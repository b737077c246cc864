import { InvalidOptionError, registerErrorClasses, YoloError } from '@yolokit/core';
import { ImageFetchError } from './image-fetch-error.js';

// Codes: core's `YoloErrorCode` is a closed union, so these errors use the nearest existing code and carry a
// precise class name (`error.name`, which survives the trip through Redis) and structured fields.

/**
 * An image sent by value (bytes or raw pixels, or a file read because `imageTransport: 'value'`) is larger than
 * `maxImageBytes`, or a worker fetched a URL past its own limit. Nothing is enqueued. Code `INVALID_OPTION`
 * (option `image`).
 */
export class ImageTooLargeError extends InvalidOptionError {
  /** Bytes the image has (or had when the download was stopped). */
  readonly byteLength: number;
  /** The limit it exceeded. */
  readonly maxImageBytes: number;
  constructor(byteLength: number, maxImageBytes: number, where: string) {
    super(
      'image',
      `${where} is ${byteLength} bytes, more than maxImageBytes=${maxImageBytes}: images sent by value travel through Redis inside the job. ` +
        'Put the image on storage the workers share and pass its path or URL instead, or raise maxImageBytes (on the producer and on the workers)',
    );
    this.byteLength = byteLength;
    this.maxImageBytes = maxImageBytes;
  }
}

/**
 * Redis was unreachable longer than `connectionLostTimeoutMs` (or at creation, longer than `connectTimeoutMs`).
 * Every prediction still waiting rejects with this error, naming its job: nothing is dropped silently. The job
 * itself may still be in Redis and may still run; its result is then ignored. Code `BACKEND_UNAVAILABLE`.
 */
export class QueueConnectionError extends YoloError {
  /** The Redis server, without its password. */
  readonly redis: string;
  /** How long it had been unreachable, in milliseconds. */
  readonly downForMs: number;
  /** The job this prediction was (or was about to be) enqueued as, when there was one. */
  readonly jobId: string | undefined;
  constructor(redis: string, downForMs: number, jobId: string | undefined, options?: { cause?: unknown; when?: string }) {
    super(
      'BACKEND_UNAVAILABLE',
      `Redis at ${redis} has been unreachable for ${Math.round(downForMs)} ms ${options?.when ?? 'while this prediction waited'}${jobId ? ` (job ${jobId})` : ''}; ` +
        'check that redis-server is running and reachable, then submit again (a job id passed to predict() makes the resubmission idempotent)',
      options,
    );
    this.redis = redis;
    this.downForMs = downForMs;
    this.jobId = jobId;
  }
}

/**
 * The job disappeared from Redis before it finished: Redis restarted without persistence (or was flushed), or
 * someone removed the job, and the producer was told not to resubmit it (`resubmitLostJobs: false`) or had
 * already resubmitted it `maxResubmits` times. Code `BACKEND_UNAVAILABLE`.
 */
export class JobLostError extends YoloError {
  readonly jobId: string;
  /** `missing` (gone from Redis) or `removed` (a `removed` event was seen). */
  readonly reason: 'missing' | 'removed';
  constructor(jobId: string, reason: 'missing' | 'removed', detail: string) {
    super(
      'BACKEND_UNAVAILABLE',
      `job ${jobId} is gone from Redis before finishing (${reason === 'removed' ? 'it was removed' : 'not found: Redis restarted without persistence, or the queue was flushed'}); ${detail}`,
    );
    this.jobId = jobId;
    this.reason = reason;
  }
}

/**
 * The job's workers stopped answering more than `maxStalledCount` times (killed, or their event loop blocked
 * past `lockDurationMs`), so BullMQ moved it to the failed set. Code `WORKER_DIED`.
 */
export class JobStalledError extends YoloError {
  readonly jobId: string;
  /** BullMQ's reason, such as `job stalled more than allowable limit`. */
  readonly failedReason: string;
  constructor(jobId: string, failedReason: string) {
    super(
      'WORKER_DIED',
      `job ${jobId} was dead-lettered: ${failedReason} (its worker died or stopped renewing its lock each time). Check the workers' logs; raise maxStalledCount or lockDurationMs if their event loop is blocked`,
    );
    this.jobId = jobId;
    this.failedReason = failedReason;
  }
}

// A producer rebuilds errors from Redis as instances of these classes (core's registry).
registerErrorClasses(ImageTooLargeError, ImageFetchError, QueueConnectionError, JobLostError, JobStalledError);
