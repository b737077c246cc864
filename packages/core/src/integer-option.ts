import { describeValue } from './describe-value.js';
import { InvalidOptionError } from './errors.js';

/** The longest delay `setTimeout` keeps (a longer one fires at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `undefined`, or an integer from 1 to `max`; the message names the option and shows the value. */
export function positiveIntegerOption(value: unknown, option: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidOptionError(option, `${option} must be an integer from 1 to ${max}, got ${describeValue(value)}`);
  }
  return value;
}
