import { Mask } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { maskIou, type RegionMask, rasterisePolygon, regionFromMask, regionMask } from './mask-iou.js';

/** The set pixels of a region mask as [x, y], row by row. */
function pixels(mask: RegionMask): Array<[number, number]> {
  const [rx, ry, w, h] = mask.rect;
  const out: Array<[number, number]> = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask.bitmap[y * w + x]) out.push([rx + x, ry + y]);
  return out;
}

const block = (x0: number, x1: number, y0: number, y1: number) => {
  const out: Array<[number, number]> = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out.push([x, y]);
  return out;
};

describe('rasterisePolygon (pixel centre inside, even-odd)', () => {
  it('covers exactly the pixels of a rectangle drawn along pixel borders', () => {
    // x 2..5, y 1..4 → pixels x 2..4, y 1..3: centres 2.5..4.5 and 1.5..3.5 are inside, 5.5 and 4.5 are not.
    const mask = rasterisePolygon(
      [
        [2, 1],
        [5, 1],
        [5, 4],
        [2, 4],
      ],
      8,
      6,
    );
    expect(mask.area).toBe(9);
    expect(pixels(mask)).toEqual(block(2, 4, 1, 3));
    expect(mask.rect).toEqual([2, 1, 3, 3]);
  });

  it('keeps the pixels whose centres a fractional rectangle holds', () => {
    // x 1.4..3.6 holds centres 1.5, 2.5, 3.5 → x 1..3; y 0.6..2.4 holds only 1.5 → y 1.
    const mask = rasterisePolygon(
      [
        [1.4, 0.6],
        [3.6, 0.6],
        [3.6, 2.4],
        [1.4, 2.4],
      ],
      6,
      4,
    );
    expect(pixels(mask)).toEqual(block(1, 3, 1, 1));
  });

  it('counts a centre on the right edge in and one on the left edge out', () => {
    // Triangle (0,0) (4,0) (0,4): centres with xc + yc <= 4 are in, the hypotenuse being a right edge.
    // Row y keeps x <= 3 - y: 4 + 3 + 2 + 1 = 10 pixels (the exact area is 8).
    const triangle = rasterisePolygon(
      [
        [0, 0],
        [4, 0],
        [0, 4],
      ],
      4,
      4,
    );
    expect(triangle.area).toBe(10);
    expect(pixels(triangle)).toEqual([...block(0, 3, 0, 0), ...block(0, 2, 1, 1), ...block(0, 1, 2, 2), [0, 3]]);
    // Its mirror image (4,0) (4,4) (0,4): the hypotenuse is now a left edge, so centres on it are out: row y
    // keeps 4 - y <= x <= 3, 0 + 1 + 2 + 3 = 6 pixels (row 0's centre (3.5, 0.5) lies on the edge).
    const mirror = rasterisePolygon(
      [
        [4, 0],
        [4, 4],
        [0, 4],
      ],
      4,
      4,
    );
    expect(pixels(mirror)).toEqual([[3, 1], ...block(2, 3, 2, 2), ...block(1, 3, 3, 3)]);
  });

  it("leaves a hole joined by a segment walked there and back (Ultralytics' merged parts) empty", () => {
    // Outer square 0..6, then from its corner (0,0) a diagonal to the inner square 2..4, round it, and back.
    // The diagonal is crossed twice on every row it spans, which cancels; the inner square is a hole.
    const mask = rasterisePolygon(
      [
        [0, 0],
        [6, 0],
        [6, 6],
        [0, 6],
        [0, 0],
        [2, 2],
        [4, 2],
        [4, 4],
        [2, 4],
        [2, 2],
      ],
      6,
      6,
    );
    expect(mask.area).toBe(36 - 4);
    const set = new Set(pixels(mask).map(([x, y]) => `${x},${y}`));
    expect(set.has('2,2')).toBe(false);
    expect(set.has('3,3')).toBe(false);
    expect(set.has('0,0')).toBe(true);
    expect(set.has('1,1')).toBe(true);
  });

  it('clips to the image and gives an empty mask for fewer than 3 points or no area', () => {
    const clipped = rasterisePolygon(
      [
        [-2, -2],
        [3, -2],
        [3, 3],
        [-2, 3],
      ],
      4,
      4,
    );
    expect(pixels(clipped)).toEqual(block(0, 2, 0, 2));
    expect(
      rasterisePolygon(
        [
          [0, 0],
          [3, 3],
        ],
        4,
        4,
      ).area,
    ).toBe(0);
    expect(
      rasterisePolygon(
        [
          [0, 0],
          [3, 0],
          [3, 0],
        ],
        4,
        4,
      ).area,
    ).toBe(0);
    expect(() => rasterisePolygon([[0, 0], [1, Number.NaN], [1, 1]], 4, 4)).toThrow(TypeError);
  });
});

describe('maskIou', () => {
  const rect = (x0: number, y0: number, x1: number, y1: number) =>
    rasterisePolygon(
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
      ],
      20,
      10,
    );

  it('is 1 for equal masks, 0 for disjoint ones, intersection / union otherwise', () => {
    expect(maskIou(rect(0, 0, 4, 2), rect(0, 0, 4, 2))).toBe(1);
    expect(maskIou(rect(0, 0, 4, 2), rect(10, 0, 14, 2))).toBe(0);
    // 8 and 8 pixels sharing 4: 4 / 12.
    expect(maskIou(rect(0, 0, 4, 2), rect(2, 0, 6, 2))).toBeCloseTo(1 / 3, 12);
    // One inside the other: 6 / 24 (the crops differ; only the overlap of the rectangles is scanned).
    expect(maskIou(rect(1, 1, 4, 3), rect(0, 0, 6, 4))).toBe(6 / 24);
  });

  it('counts pixels, not rectangles: a crop with clear pixels is not a full box', () => {
    const diagonal = regionMask(20, 10, [0, 0, 3, 3], Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]));
    expect(diagonal.area).toBe(3);
    // The 3x3 block holds the diagonal: 3 / 9.
    expect(maskIou(diagonal, rect(0, 0, 3, 3))).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 for two empty masks and rejects masks of different images', () => {
    const empty = regionMask(20, 10, [0, 0, 0, 0], new Uint8Array(0));
    expect(maskIou(empty, empty)).toBe(0);
    expect(() => maskIou(rect(0, 0, 1, 1), regionMask(10, 10, [0, 0, 1, 1], Uint8Array.of(1)))).toThrow(RangeError);
  });

  it("reads core's Mask through its crop", () => {
    // A Mask cropped to (2, 1) 4 x 3 holding a 2 x 2 square at x 3..4, y 2..3.
    const crop = Uint8Array.from([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    const region = regionFromMask(Mask.fromBitmap(crop, 20, 10, [2, 1, 4, 3]));
    expect(region.area).toBe(4);
    expect(pixels(region)).toEqual(block(3, 4, 2, 3));
    expect(maskIou(region, rect(3, 2, 5, 4))).toBe(1);
  });
});
