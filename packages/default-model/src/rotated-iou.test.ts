import { describe, expect, it } from 'vitest';
import { rotatedBoxIou } from './rotated-iou.js';

describe('rotatedBoxIou (polygon IoU of oriented boxes)', () => {
  it('is 1 for the same box, whichever of its descriptions', () => {
    expect(rotatedBoxIou([5, 5, 8, 2, 0.3], [5, 5, 8, 2, 0.3])).toBeCloseTo(1, 12);
    expect(rotatedBoxIou([5, 5, 8, 2, 0.3], [5, 5, 2, 8, 0.3 + Math.PI / 2])).toBeCloseTo(1, 12);
    expect(rotatedBoxIou([5, 5, 8, 2, 0.3], { cx: 5, cy: 5, w: 8, h: 2, angle: 0.3 + Math.PI })).toBeCloseTo(1, 12);
  });

  it('a 4×2 box and the same turned a quarter: a 2×2 overlap of 8 + 8 − 4, so 1/3', () => {
    expect(rotatedBoxIou([0, 0, 4, 2, 0], [0, 0, 4, 2, Math.PI / 2])).toBeCloseTo(4 / 12, 12);
  });

  it('two unit squares 45° apart: an octagon of 2(√2 − 1), so IoU 2(√2 − 1) / (2 − 2(√2 − 1)) = √2/2', () => {
    expect(rotatedBoxIou([0, 0, 1, 1, 0], [0, 0, 1, 1, Math.PI / 4])).toBeCloseTo(Math.SQRT2 / 2, 12);
  });

  it('axis-aligned boxes half overlapping: 1/3; apart or without area: 0', () => {
    expect(rotatedBoxIou([0, 0, 2, 2, 0], [1, 0, 2, 2, 0])).toBeCloseTo(2 / 6, 12);
    expect(rotatedBoxIou([0, 0, 2, 2, 0], [5, 0, 2, 2, 0])).toBe(0);
    expect(rotatedBoxIou([0, 0, 0, 2, 0], [0, 0, 2, 2, 0])).toBe(0);
  });

  it('a thin box inside a large one: the ratio of their areas', () => {
    expect(rotatedBoxIou([10, 10, 12, 2, 0.7], [10, 10, 40, 40, 0])).toBeCloseTo(24 / 1600, 12);
  });
});
