/**
 * `@yolokit/core/internal` in browsers: the helpers of `internal.ts` that need no Node built-in (the option
 * checks, the URL redactor, what the backends, the pools and the CLI share with core), so that a browser backend
 * can share them too. Not part of the public API.
 *
 * @internal
 * @packageDocumentation
 */
export { checkBackendSpec } from './backend-spec.js';
export { formatBytes } from './bounded-read.js';
export { modelInputSize } from './model-input-size.js';
export { redactUrl } from './redact-url.js';
export { checkClassifyOptions } from './task-options.js';
export { hasWebgpuAdapter } from './webgpu-adapter.js';
export {
  booleanOption,
  countOrInfinity,
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
