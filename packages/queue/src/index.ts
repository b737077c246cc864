/**
 * The queue strategy of yolokit (`createPredictor({ strategy: 'queue' })` of `@yolokit/concurrency` loads this
 * package): producers that are `Predictor`s of `@yolokit/concurrency` on one side,
 * dedicated inference workers on any number of machines on the other, BullMQ on Redis in between.
 *
 * @packageDocumentation
 */

export type { ImageTransport, QueueProducerOptions } from '@yolokit/concurrency';
export { ImageTooLargeError, JobLostError, JobStalledError, QueueConnectionError } from './errors.js';
export { ImageFetchError } from './image-fetch-error.js';
export { isJobError, type JobError, type JobErrorFields } from './job-failure.js';
export { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_PREFIX } from './options.js';
export {
  type BackoffOptions,
  createQueuePredictor,
  type DeadLetter,
  type KeepJobsPolicy,
  openQueueStrategy,
  type QueuePredictCallOptions,
  type QueuePredictManyOptions,
  type QueuePredictor,
  type QueuePredictorOptions,
  type QueuePredictorStats,
  type QueuePredictProgress,
  resolveQueuePredictorOptions,
} from './queue-predictor.js';
export {
  createQueueWorker,
  JOB_BULK_LIMIT_WARNING,
  QUEUE_WORKER_STRATEGIES,
  type QueueWorker,
  type QueueWorkerEvent,
  type QueueWorkerOptions,
  type QueueWorkerStats,
  type QueueWorkerStrategy,
  resolveQueueWorkerOptions,
} from './queue-worker.js';
export type { RedisTarget } from './redis-connection.js';
export { SourceNotAllowedError } from './source-not-allowed-error.js';
export type { QueueWorkerInfo } from './worker-registry.js';
