/**
 * `@yolokit/concurrency/internal`: helpers yolokit's own packages share with the pools (the queue). Not part of the
 * public API: no semver promise, left out of the API reference; applications should not import it.
 *
 * @internal
 * @packageDocumentation
 */
export { LatencyRecorder } from './latency-recorder.js';
export { predictInLanes } from './predict-many.js';
export { Scheduler, type SchedulerOptions } from './scheduler.js';
