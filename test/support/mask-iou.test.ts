import { Mask } from '@yolokit/core';
import { evaluateDetections } from '@yolokit/default-model';
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

// The evaluator's own tests are in @yolokit/default-model (evaluate-detections.test.ts); this is mask mAP,
// the evaluator with maskIou, which lives here with the tests' mask helpers.
const DIGITS = 12;

describe('evaluateDetections with an iou option (mask mAP)', () => {
  /** A mask of a 10x10 image from a polygon (see mask-iou.ts for the rule). */
  const polygon = (...points: Array<[number, number]>) => rasterisePolygon(points, 10, 10);
  interface Instance {
    classId: number;
    mask: RegionMask;
  }
  interface ScoredInstance extends Instance {
    confidence: number;
  }
  const byMask = { iou: (p: ScoredInstance, g: Instance) => maskIou(p.mask, g.mask) };

  it('matches by mask IoU, not by boxes: same box, different shape is a miss', () => {
    // GT: an L (x 0..2 for y 0..6, plus x 2..6 for y 4..6): 12 + 8 = 20 pixels, extent 0..6 x 0..6.
    // Prediction: the mirrored Γ (x 0..6 for y 0..2, plus x 0..2 for y 2..6): 20 pixels, the same extent.
    // Shared: x 0..2, y 0..6 = 12 pixels → mask IoU 12 / (20 + 20 - 12) = 12/28 ≈ 0.43 < 0.5.
    const l = polygon([0, 0], [2, 0], [2, 4], [6, 4], [6, 6], [0, 6]);
    const gamma = polygon([0, 0], [6, 0], [6, 2], [2, 2], [2, 6], [0, 6]);
    expect([l.area, gamma.area]).toEqual([20, 20]);
    expect(maskIou(gamma, l)).toBeCloseTo(12 / 28, DIGITS);
    const masks = evaluateDetections([{ groundTruth: [{ classId: 0, mask: l }], predictions: [{ classId: 0, mask: gamma, confidence: 0.9 }] }], byMask);
    expect(masks.map50).toBe(0);
    // The same objects as boxes: a perfect match.
    const boxes = evaluateDetections([{ groundTruth: [{ classId: 0, box: [0, 0, 6, 6] }], predictions: [{ classId: 0, box: [0, 0, 6, 6], confidence: 0.9 }] }]);
    expect(boxes.map50).toBe(1);
    // And the right shape matches.
    const exact = evaluateDetections([{ groundTruth: [{ classId: 0, mask: l }], predictions: [{ classId: 0, mask: l, confidence: 0.9 }] }], byMask);
    expect(exact.map5095).toBe(1);
  });

  it('reads mask IoU 0.8 as a match up to threshold 0.80: mAP50-95 = 7/10', () => {
    // GT 10 x 10 = 100 pixels; prediction its top 8 rows = 80 pixels inside it → IoU 0.8 exactly.
    const square = polygon([0, 0], [10, 0], [10, 10], [0, 10]);
    const top = polygon([0, 0], [10, 0], [10, 8], [0, 8]);
    expect(maskIou(top, square)).toBe(0.8);
    const result = evaluateDetections([{ groundTruth: [{ classId: 3, mask: square }], predictions: [{ classId: 3, mask: top, confidence: 0.5 }] }], byMask);
    expect(result.map50).toBe(1);
    expect(result.map5095).toBeCloseTo(7 / 10, DIGITS);
    expect(result.perClass.get(3)?.groundTruthCount).toBe(1);
  });

  it('gives the answers of the box cases for any overlap function (greedy matching, best unmatched GT)', () => {
    // The IoUs of 'matches each detection to the unmatched GT with the highest IoU' above, as a table:
    // P1 (0.9) vs A 7/13, vs B 9/11; P2 (0.8) vs A 1, vs B 6/14 → AP50-95 = 1567/2020. Objects carry no box.
    interface Truth {
      classId: number;
      name: 'A' | 'B';
    }
    interface Guess {
      classId: number;
      confidence: number;
      ious: Record<'A' | 'B', number>;
    }
    const truths: Truth[] = [
      { classId: 0, name: 'A' },
      { classId: 0, name: 'B' },
    ];
    const guesses: Guess[] = [
      { classId: 0, confidence: 0.9, ious: { A: 7 / 13, B: 9 / 11 } },
      { classId: 0, confidence: 0.8, ious: { A: 1, B: 6 / 14 } },
    ];
    for (const groundTruth of [truths, [...truths].reverse()]) {
      const result = evaluateDetections([{ groundTruth, predictions: guesses }], { iou: (p: Guess, g: Truth) => p.ious[g.name] });
      expect(result.map50).toBe(1);
      expect(result.map5095).toBeCloseTo(1567 / 2020, DIGITS);
    }
  });

  it('still rejects NaN confidences', () => {
    const mask = polygon([0, 0], [2, 0], [2, 2]);
    expect(() => evaluateDetections([{ groundTruth: [], predictions: [{ classId: 0, mask, confidence: Number.NaN }] }], byMask)).toThrow(TypeError);
  });
});
