import { positiveInteger } from '@yolokit/core/internal';

/**
 * A numeric flag's value as a positive integer, or undefined when the flag was not given. Digits only: `1e3`, `2.0`
 * and `0x10` are refused with the flag's name, so a typo never becomes a surprising number.
 */
export function positiveIntegerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  // Core's check words the message; a refused flag is shown as typed (`got "2.5"`), not as the number it parsed to.
  return positiveInteger(Number.isSafeInteger(n) && n >= 1 ? n : value, flag);
}

/** Commander's accumulator for a repeatable flag (`--allow-root A --allow-root B`). */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}
