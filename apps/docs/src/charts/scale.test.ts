import { describe, expect, it } from 'vitest';
import { bandPositions, formatTick, linearScale, niceTicks } from './scale.js';

describe('chart scales', () => {
  it.each([
    [10, [0, 2, 4, 6, 8, 10]],
    [17.3, [0, 5, 10, 15, 20]],
    [0.34, [0, 0.1, 0.2, 0.3, 0.4]],
    [1431, [0, 500, 1000, 1500]],
    [0, [0, 1]],
  ])('niceTicks(%d) covers the value in round steps', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });

  it('maps linearly, and spaces categories evenly', () => {
    expect(linearScale(0, 10, 100, 0)(2.5)).toBe(75);
    expect([...bandPositions([1, 4, 16], 0, 100)]).toEqual([
      [1, 0],
      [4, 50],
      [16, 100],
    ]);
    expect([...bandPositions([8], 0, 100)]).toEqual([[8, 50]]);
  });

  it('formats ticks without float noise', () => {
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(1500)).toBe('1500');
  });
});
