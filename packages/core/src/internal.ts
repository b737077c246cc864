/**
 * `@yolokit/core/internal`: helpers yolokit's own packages share (the CLI, the queue, the server). Not part of
 * the public API: no semver promise, left out of the API reference; applications should not import it.
 *
 * @internal
 * @packageDocumentation
 */
export { redactUrl } from './redact-url.js';
export {
  booleanOption,
  finiteNumber,
  integerInRange,
  MAX_TIMER_MS,
  milliseconds,
  oneOf,
  optionsObject,
  positiveInteger,
  rejectUnknown,
} from './option-checks.js';
