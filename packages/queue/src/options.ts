import { describeValue, InvalidOptionError } from '@yolokit/core';

/** Default `maxImageBytes`: 8 MiB, which base64 makes ~11 MB of job data in Redis. */
export const DEFAULT_MAX_IMAGE_BYTES = 8 * 1024 * 1024;
/** Default BullMQ key prefix of yolokit queues. */
export const DEFAULT_PREFIX = 'yolokit';

/** Throws `InvalidOptionError` for keys of `options` not in `known`. @internal */
export function rejectUnknown(options: Record<string, unknown>, known: ReadonlySet<string>, what: string, path = 'options'): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new InvalidOptionError(`${path}.${key}`, `${path}.${key} is not ${what} option; known options: ${[...known].join(', ')}`);
    }
  }
}

/** @internal */
export function optionsObject(options: unknown, call: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('options', `${call}: options must be an object { queue, redis, ... }, got ${describeValue(options)}`);
  }
  return options as Record<string, unknown>;
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

/** @internal */
export function positiveInteger(value: unknown, option: string, fallback: number): number;
export function positiveInteger(value: unknown, option: string, fallback?: undefined): number | undefined;
export function positiveInteger(value: unknown, option: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(option, `${option} must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Milliseconds: a positive number up to setTimeout's limit, or Infinity when `infinite` allows it. @internal */
export function milliseconds(value: unknown, option: string, fallback: number, infinite = false): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    value > 0 &&
    ((Number.isFinite(value) && value <= 2 ** 31 - 1) || (infinite && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    throw new InvalidOptionError(option, `${option} must be a positive number of milliseconds up to 2147483647${infinite ? ', or Infinity' : ''}, got ${describeValue(value)}`);
  }
  return value as number;
}

/** @internal */
export function booleanOption(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, `${option} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** @internal */
export function oneOf<T extends string>(value: unknown, option: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) {
    throw new InvalidOptionError(option, `${option} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}
