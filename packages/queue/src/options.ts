import { describeValue, InvalidOptionError } from '@yolokit/core';
import { optionsObject as checkObject } from '@yolokit/core/internal';

// The generic checks are core's, shared by every package; the queue's entry points import them from here
// beside the queue's own (queue names, key prefixes).
export { booleanOption, countOrInfinity, milliseconds, oneOf, positiveInteger, rejectUnknown } from '@yolokit/core/internal';

/** Default `maxImageBytes`: 8 MiB, which base64 makes ~11 MB of job data in Redis. */
export const DEFAULT_MAX_IMAGE_BYTES = 8 * 1024 * 1024;
/** Default BullMQ key prefix of yolokit queues. */
export const DEFAULT_PREFIX = 'yolokit';

/** `options` of a queue entry point as an object, the message naming the call (`createQueueWorker(options)`). @internal */
export function optionsObject(options: unknown, call: string): Record<string, unknown> {
  return checkObject(options, 'options', { call, shape: '{ queue, redis, ... }' });
}

/** A BullMQ queue name: BullMQ builds Redis keys from it, so no `:` and nothing empty. @internal */
export function queueName(value: unknown, option = 'options.queue'): string {
  if (typeof value !== 'string' || value.trim() === '' || value.includes(':') || /\s/.test(value)) {
    throw new InvalidOptionError(option, `${option} must be a queue name without spaces or ':' (such as 'detect'), got ${describeValue(value)}`);
  }
  return value;
}

/** @internal */
export function prefixOption(value: unknown, option = 'options.prefix'): string {
  if (value === undefined) return DEFAULT_PREFIX;
  if (typeof value !== 'string' || value === '' || /\s/.test(value)) {
    throw new InvalidOptionError(option, `${option} must be a non-empty Redis key prefix without spaces, got ${describeValue(value)}`);
  }
  return value;
}
