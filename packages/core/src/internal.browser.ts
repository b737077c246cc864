/**
 * `@yolokit/core/internal` in browsers: the helpers of `internal.ts` that need no Node built-in (the option
 * checks, the URL redactor), so that a browser backend can share them. Not part of the public API.
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
  required,
} from './option-checks.js';
