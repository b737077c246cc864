/**
 * `@yolokit/backend-tfjs/spec`: this package's backend described as data ({@link tfjsSpec}) for
 * `@yolokit/concurrency` and `@yolokit/queue`, without loading TF.js in the thread that hands work to a pool.
 *
 * @packageDocumentation
 */
export { tfjsSpec } from './tfjs-spec.js';
