import { InvalidOptionError } from '@yolokit/core';

/**
 * A numeric flag's value as a positive integer, or undefined when the flag was not given. Digits only: `1e3`, `2.0`
 * and `0x10` are refused with the flag's name, so a typo never becomes a surprising number.
 */
export function positiveIntegerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidOptionError(flag, `${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Commander's accumulator for a repeatable flag (`--allow-root A --allow-root B`). */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}
