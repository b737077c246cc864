import { describe, expect, it } from 'vitest';
import { boxIou } from './box-iou.js';

describe('boxIou', () => {
  it('is the exact ratio by default (pycocotools): overlap, containment, touching and empty boxes', () => {
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(boxIou([0, 0, 10, 10], [5, 0, 15, 10])).toBe(50 / 150);
    expect(boxIou([0, 0, 100, 100], [0, 0, 100, 75])).toBe(0.75);
    expect(boxIou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0); // a shared edge has no area
    expect(boxIou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(boxIou([5, 5, 5, 5], [5, 5, 5, 5])).toBe(0); // no union at all: 0, not NaN
    expect(boxIou([10, 10, 0, 0], [0, 0, 10, 10])).toBe(0); // inverted: no area
  });

  it("with eps adds it to the union, as Ultralytics' bbox_ioa(iou=True)", () => {
    expect(boxIou([0, 0, 10, 10], [5, 0, 15, 10], 1e-7)).toBe(50 / (150 + 1e-7));
    expect(boxIou([5, 5, 5, 5], [5, 5, 5, 5], 1e-7)).toBe(0);
    expect(boxIou(new Float32Array([0, 0, 2, 2]), [1, 1, 3, 3], 1e-7)).toBe(1 / (7 + 1e-7));
  });
});
