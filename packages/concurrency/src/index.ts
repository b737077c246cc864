/**
 * Interchangeable concurrency strategies for yolokit models: an instance per worker thread, one shared instance
 * behind a FIFO lock, a process pool, (for teaching) an unlocked shared instance, and queue workers on any machine
 * (through `@yolokit/queue`, loaded when asked for). One `Predictor` API.
 *
 * @packageDocumentation
 */
export { AsyncLock, type LockWaitOptions, type ThreadingLockedOptions, threadingLocked } from './async-lock.js';
export { type AutoCandidate, type AutoChoice, type AutoMeasurement, type AutoOptions, type AutoPoolStrategy, autoCandidates } from './auto-strategy.js';
export { LockTimeoutError, PredictorClosedError, QueueFullError, TaskTimeoutError, WorkerDiedError } from './errors.js';
export type { Executor, WorkerInfo } from './executor.js';
export type { PredictTarget } from './in-thread-executor.js';
export type { Percentiles } from './latency-recorder.js';
export {
  type BackendSpec,
  isModelSpec,
  loadBackendFromSpec,
  loadModelFromSpec,
  type ModelCreateOptions,
  type ModelSpec,
  threadsOptionOf,
  validateModelSpec,
  withThreads,
} from './model-spec.js';
export {
  createPredictor,
  type PredictCallOptions,
  type PredictManyOptions,
  type Predictor,
  type PredictorOptions,
  type PredictorStats,
  type PredictProgress,
  resolvePredictorOptions,
  STRATEGIES,
  type Strategy,
} from './predictor.js';
export type {
  BackoffOptions,
  ImageTransport,
  KeepJobsPolicy,
  QueueProducerOptions,
  QueueStrategyModule,
  QueueStrategyOptions,
  QueueStrategyRequest,
} from './queue-strategy.js';
export type { SchedulerStats } from './scheduler.js';
export { StatefulDemoModel } from './stateful-demo-model.js';
export { checkThreadBudget, THREADS_PER_CORE_LIMIT, type ThreadBudgetNames } from './thread-budget.js';
export type { WireOptions } from './wire.js';
