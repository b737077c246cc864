import { describeValue } from './describe-value.js';
import { InvalidOptionError } from './errors.js';

/**
 * The option checks every yolokit package validates its options with at the boundary (core, the backends, the
 * pools, the queue, the server, the CLI), so that one kind of mistake gets one message everywhere: the option's
 * path, what it must be, and the value it got (`options.workers must be a positive integer, got 0`). Each throws
 * {@link InvalidOptionError} (code `INVALID_OPTION`, `option` set to the path) and returns the value, narrowed,
 * or the fallback when the value is `undefined`.
 *
 * Shared through `@yolokit/core/internal`; not part of the public API.
 *
 * @internal
 * @packageDocumentation
 */

/** The longest delay `setTimeout` keeps (a longer one fires at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `value` as a plain object (not `null`, not an array). The message names the call when given
 * (`onnx(options): options must be an object, got 42`) and the expected shape (`{ name, redis, ... }`).
 */
export function optionsObject(value: unknown, option: string, describe: { call?: string; shape?: string } = {}): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const call = describe.call ? `${describe.call}: ` : '';
    const shape = describe.shape ? ` ${describe.shape}` : '';
    throw new InvalidOptionError(option, `${call}${option} must be an object${shape}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Throws for the first key of `object` that is not in `known`, naming every known key and the nearest one to
 * a misspelt key: `options.maxThread is not a predictor option (did you mean options.maxThreads?); known
 * options: ...`. `what` completes "is not ___ option" (`'a predictor'`, `'an onnx()'`).
 */
export function rejectUnknown(object: object, known: Iterable<string>, what: string, path = 'options'): void {
  const names = [...known];
  for (const key of Object.keys(object)) {
    if (names.includes(key)) continue;
    const suggestion = closest(key, names);
    throw new InvalidOptionError(
      `${path}.${key}`,
      `${path}.${key} is not ${what} option${suggestion ? ` (did you mean ${path}.${suggestion}?)` : ''}; known options: ${names.join(', ')}`,
    );
  }
}

/**
 * `value` when it is given; for `undefined`, throws `<option> is required: <what>` (`options.auto.candidates[0].workers
 * is required: a positive integer`). Put it in front of a check that would take `undefined` as "use the default".
 */
export function required<T>(value: T | undefined, option: string, what: string): T {
  if (value === undefined) throw new InvalidOptionError(option, `${option} is required: ${what}`);
  return value;
}

/** An integer of at least 1 (and at most `max`, a safe integer unless given), or `fallback` for `undefined`. */
export function positiveInteger(value: unknown, option: string, fallback: number, max?: number): number;
export function positiveInteger(value: unknown, option: string, fallback?: undefined, max?: number): number | undefined;
export function positiveInteger(value: unknown, option: string, fallback?: number, max?: number): number | undefined {
  return integerInRange(value, option, 1, max, fallback);
}

/**
 * An integer from `min` to `max` (a safe integer when `max` is not given), or `fallback` for `undefined`. The
 * message says the range: `must be an integer from 1 to 100000`, `must be a positive integer` (1 up, no
 * maximum), `must be a non-negative integer` (0 up, no maximum).
 */
export function integerInRange(value: unknown, option: string, min: number, max?: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const upper = max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > upper) {
    const what =
      max !== undefined ? `an integer from ${min} to ${max}` : min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`;
    throw new InvalidOptionError(option, `${option} must be ${what}, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number from `min` to `max` (both included), or `fallback` for `undefined`: `must be a number from 0 to 1`. */
export function finiteNumber(value: unknown, option: string, limits: { min: number; max: number }, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < limits.min || value > limits.max) {
    throw new InvalidOptionError(option, `${option} must be a number from ${limits.min} to ${limits.max}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A delay or timeout: a positive number of milliseconds up to what `setTimeout` keeps ({@link MAX_TIMER_MS}), or
 * `Infinity` when `infinite` allows it; `fallback` for `undefined`.
 */
export function milliseconds(value: unknown, option: string, fallback: number, infinite = false): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' && value > 0 && ((Number.isFinite(value) && value <= MAX_TIMER_MS) || (infinite && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    throw new InvalidOptionError(option, `${option} must be a positive number of milliseconds up to ${MAX_TIMER_MS}${infinite ? ', or Infinity' : ''}, got ${describeValue(value)}`);
  }
  return value as number;
}

/**
 * A bound on waiting work: an integer from `min` (0 or 1) up, or `Infinity` for none; `fallback` for `undefined`.
 * `why` completes the message (`must be a positive integer or Infinity<why>, got 0`).
 */
export function countOrInfinity(value: unknown, option: string, min: 0 | 1, fallback: number, why = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(Number.isSafeInteger(value) || value === Number.POSITIVE_INFINITY) || value < min) {
    throw new InvalidOptionError(option, `${option} must be a ${min === 0 ? 'non-negative' : 'positive'} integer or Infinity${why}, got ${describeValue(value)}`);
  }
  return value;
}

/** `true` or `false`, or `fallback` for `undefined`. */
export function booleanOption(value: unknown, option: string, fallback: boolean): boolean;
export function booleanOption(value: unknown, option: string, fallback?: undefined): boolean | undefined;
export function booleanOption(value: unknown, option: string, fallback?: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, `${option} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** One of `choices`, or `fallback` for `undefined`: `must be one of 'threads', 'processes', got "thread"`. */
export function oneOf<T extends string>(value: unknown, option: string, choices: readonly T[], fallback: T): T;
export function oneOf<T extends string>(value: unknown, option: string, choices: readonly T[], fallback?: undefined): T | undefined;
export function oneOf<T extends string>(value: unknown, option: string, choices: readonly T[], fallback?: T): T | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidOptionError(option, `${option} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** The known option nearest to a misspelt one (edit distance ≤ 3, or the same letters in another case). */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
