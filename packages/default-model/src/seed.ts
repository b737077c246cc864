import { describeValue, InvalidOptionError } from '@yolokit/core';

/** A scene generator's seed: any safe integer (the same seed draws the same scene, in Node and browsers). */
export function checkSeed(seed: unknown): number {
  if (!Number.isSafeInteger(seed)) throw new InvalidOptionError('seed', `seed must be a safe integer, got ${describeValue(seed)}`);
  return seed as number;
}
