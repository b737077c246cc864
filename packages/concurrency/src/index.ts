/**
 * Interchangeable concurrency strategies for yolokit models: an instance per worker thread, one shared instance
 * behind a FIFO lock, a process pool, and (for teaching) an unlocked shared instance. One `Predictor` API.
 *
 * @packageDocumentation
 */
export { AsyncLock, threadingLocked, type LockWaitOptions, type ThreadingLockedOptions } from './async-lock.js';
export { LockTimeoutError, PredictorClosedError, QueueFullError, TaskTimeoutError, WorkerDiedError } from './errors.js';
export type { WorkerInfo } from './executor.js';
export type { PredictTarget } from './in-thread-executor.js';
export type { Percentiles } from './latency-recorder.js';
export {
  isModelSpec,
  loadBackendFromSpec,
  loadModelFromSpec,
  threadsOptionOf,
  validateModelSpec,
  withThreads,
  type BackendSpec,
  type ModelCreateOptions,
  type ModelSpec,
} from './model-spec.js';
export {
  createPredictor,
  resolvePredictorOptions,
  STRATEGIES,
  type PredictCallOptions,
  type Predictor,
  type PredictorOptions,
  type PredictorStats,
  type PredictManyOptions,
  type PredictProgress,
  type Strategy,
} from './predictor.js';
export type { SchedulerStats } from './scheduler.js';
export { StatefulDemoModel } from './stateful-demo-model.js';
