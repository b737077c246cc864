import { boxIou } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import {
  type EvaluationImage,
  evaluateDetections,
  type GroundTruthBox,
  IOU_THRESHOLDS,
  interpolatedAp,
  PYCOCOTOOLS_IOU_THRESHOLDS,
  PYCOCOTOOLS_RECALL_POINTS,
  type PredictedBox,
  RECALL_POINTS,
  type Xyxy,
} from './evaluate-detections.js';

// Hand-computed answers below are written as fractions; 12 digits is far tighter than any real mistake and far
// looser than float noise.
const DIGITS = 12;

const gt = (classId: number, box: Xyxy): GroundTruthBox => ({ classId, box });
const pred = (classId: number, box: Xyxy, confidence: number): PredictedBox => ({ classId, box, confidence });

/** A 10x10 box at (10 k, 0), far from every other k: IoU 0 between different k. */
const cell = (k: number): Xyxy => [100 * k, 0, 100 * k + 10, 10];

describe('thresholds', () => {
  it('are the decimal values, so 0.75 and 0.9 compare exactly', () => {
    expect(IOU_THRESHOLDS).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
    expect(RECALL_POINTS).toHaveLength(101);
    expect(RECALL_POINTS[35]).toBe(0.35);
    expect(RECALL_POINTS[100]).toBe(1);
  });

  it("reproduce np.linspace's values in pycocotools mode", () => {
    // Values printed by numpy: np.linspace(.5, .95, 10)[8] and np.linspace(0, 1, 101)[35].
    expect(PYCOCOTOOLS_IOU_THRESHOLDS[8]).toBe(0.8999999999999999);
    expect(PYCOCOTOOLS_IOU_THRESHOLDS[5]).toBe(0.75);
    expect(PYCOCOTOOLS_RECALL_POINTS[35]).toBe(0.35000000000000003);
    // The 10 recall points numpy puts one ulp above the decimal; the other 91 agree.
    const differing = PYCOCOTOOLS_RECALL_POINTS.flatMap((v, i) => (v === RECALL_POINTS[i] ? [] : [i]));
    expect(differing).toEqual([35, 41, 47, 57, 69, 70, 82, 83, 94, 95]);
  });
});

describe('interpolatedAp (101-point)', () => {
  it('is 1 for all-TP and 0 for no detections or all-FP', () => {
    expect(interpolatedAp([true, true], 2)).toBe(1);
    expect(interpolatedAp([], 3)).toBe(0);
    expect(interpolatedAp([false, false], 1)).toBe(0);
  });

  it('reads the monotone envelope at the first rank reaching each recall point', () => {
    // 3 GT, ranks TP FP TP FP:
    //   precision 1, 1/2, 2/3, 1/2; recall 1/3, 1/3, 2/3, 2/3; envelope 1, 2/3, 2/3, 1/2.
    //   r = 0.00..0.33 (34 points): first rank with recall ≥ r is 0 → 1
    //   r = 0.34..0.66 (33 points): rank 2 → 2/3
    //   r = 0.67..1.00 (34 points): beyond max recall 2/3 → 0
    //   AP = (34 + 33·2/3) / 101 = 56/101
    expect(interpolatedAp([true, false, true, false], 3)).toBeCloseTo(56 / 101, DIGITS);
  });

  it('treats a recall exactly on a recall point as reaching it (decimal points, not np.linspace)', () => {
    // 20 GT, ranks: 7 TP, 7 FP, 1 TP. Recall after rank 7 (index 6) is 7/20 = 0.35 exactly (same double as 35/100).
    //   r = 0.00..0.35 (36 points) → precision 1 (ranks 1..7)
    //   r = 0.36..0.40 (5 points)  → rank 15: 8/15
    //   r > 0.40 → 0
    //   AP = (36 + 5·8/15) / 101 = (116/3) / 101 = 116/303
    // pycocotools' np.linspace gives 0.35000000000000003 for that point and reads 8/15 there instead:
    // (35 + 6·8/15) / 101 = 38.2/101 ≈ 0.3782; this evaluator follows the decimal definition.
    const ranks = [...Array(7).fill(true), ...Array(7).fill(false), true];
    expect(interpolatedAp(ranks, 20)).toBeCloseTo(116 / 303, DIGITS);
    expect(interpolatedAp(ranks, 20, PYCOCOTOOLS_RECALL_POINTS)).toBeCloseTo(38.2 / 101, DIGITS);
  });
});

describe('evaluateDetections', () => {
  it('gives 1 for perfect predictions', () => {
    const images: EvaluationImage[] = [
      { groundTruth: [gt(0, [10, 10, 50, 60]), gt(3, [100, 20, 180, 90])], predictions: [pred(0, [10, 10, 50, 60], 0.9), pred(3, [100, 20, 180, 90], 0.4)] },
      { groundTruth: [gt(0, [0, 0, 5, 5])], predictions: [pred(0, [0, 0, 5, 5], 0.7)] },
    ];
    const result = evaluateDetections(images);
    expect(result.map50).toBe(1);
    expect(result.map5095).toBe(1);
    expect(result.perClass.get(0)).toEqual({ ap50: 1, ap5095: 1, groundTruthCount: 2 });
    expect(result.perClass.get(3)).toEqual({ ap50: 1, ap5095: 1, groundTruthCount: 1 });
  });

  it('gives 0 without predictions, and still counts the ground truth', () => {
    const result = evaluateDetections([{ groundTruth: [gt(0, cell(0)), gt(1, cell(1)), gt(1, cell(2))], predictions: [] }]);
    expect(result.map50).toBe(0);
    expect(result.map5095).toBe(0);
    expect(result.perClass.get(1)).toEqual({ ap50: 0, ap5095: 0, groundTruthCount: 2 });
  });

  it('computes AP for one TP below one higher-scored FP', () => {
    // 1 GT. Ranks: FP (0.9), TP (0.8). Precision 0, 1/2 → envelope 1/2, 1/2; recall 0, 1.
    // Every recall point 0..1 is first reached at rank 0 (r = 0) or rank 1 (r > 0), both 1/2 → AP = 101·(1/2)/101 = 1/2,
    // at every IoU threshold because the TP box is exact.
    const result = evaluateDetections([{ groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(5), 0.9), pred(0, cell(0), 0.8)] }]);
    expect(result.map50).toBeCloseTo(0.5, DIGITS);
    expect(result.map5095).toBeCloseTo(0.5, DIGITS);
  });

  it('computes AP for a longer ranking (TP, FP, TP, FP over 3 GT) = 56/101', () => {
    // Same ranking as the interpolatedAp case above, built from boxes: AP = 56/101 at every threshold.
    const result = evaluateDetections([
      {
        groundTruth: [gt(2, cell(0)), gt(2, cell(1)), gt(2, cell(2))],
        predictions: [pred(2, cell(0), 0.9), pred(2, cell(7), 0.8), pred(2, cell(1), 0.7), pred(2, cell(8), 0.6)],
      },
    ]);
    expect(result.map50).toBeCloseTo(56 / 101, DIGITS);
    expect(result.map5095).toBeCloseTo(56 / 101, DIGITS);
  });

  it('counts IoU exactly 0.75 as a match up to threshold 0.75 only: mAP50-95 = 6/10', () => {
    // IoU 0.75 ≥ 0.50, 0.55, 0.60, 0.65, 0.70, 0.75 → AP 1 at 6 thresholds; < 0.80..0.95 → lone FP → AP 0 at 4.
    const result = evaluateDetections([{ groundTruth: [gt(0, [0, 0, 100, 100])], predictions: [pred(0, [0, 0, 100, 75], 0.5)] }]);
    expect(result.map50).toBe(1);
    expect(result.map5095).toBeCloseTo(6 / 10, DIGITS);
    // Same in pycocotools mode: np.linspace's 0.75 is exactly 0.75 too.
    const images = [{ groundTruth: [gt(0, [0, 0, 100, 100])], predictions: [pred(0, [0, 0, 100, 75], 0.5)] }];
    expect(evaluateDetections(images, { thresholds: 'pycocotools' }).map5095).toBeCloseTo(6 / 10, DIGITS);
  });

  it('counts IoU exactly 0.9 at threshold 0.90 in both modes: mAP50-95 = 9/10', () => {
    // 9000 / 10000 = 0.9 exactly: ≥ 0.50..0.90 (9 thresholds), < 0.95. pycocotools' 0.8999999999999999 agrees here.
    const images = [{ groundTruth: [gt(0, [0, 0, 100, 100])], predictions: [pred(0, [0, 0, 100, 90], 0.5)] }];
    expect(boxIou(images[0].groundTruth[0].box, images[0].predictions[0].box)).toBe(0.9);
    expect(evaluateDetections(images).map5095).toBeCloseTo(9 / 10, DIGITS);
    expect(evaluateDetections(images, { thresholds: 'pycocotools' }).map5095).toBeCloseTo(9 / 10, DIGITS);
  });

  it('counts IoU just below 0.75 up to threshold 0.70 only: mAP50-95 = 5/10', () => {
    // IoU 7499/10000 = 0.7499 → matches at 0.50..0.70 (5 thresholds).
    const result = evaluateDetections([{ groundTruth: [gt(0, [0, 0, 100, 100])], predictions: [pred(0, [0, 0, 100, 74.99], 0.5)] }]);
    expect(result.map5095).toBeCloseTo(5 / 10, DIGITS);
  });

  it('counts IoU exactly 0.5 at threshold 0.50 only: mAP50 = 1, mAP50-95 = 1/10', () => {
    const result = evaluateDetections([{ groundTruth: [gt(0, [0, 0, 100, 100])], predictions: [pred(0, [0, 0, 100, 50], 0.5)] }]);
    expect(result.map50).toBe(1);
    expect(result.map5095).toBeCloseTo(1 / 10, DIGITS);
  });

  it('makes the second of two predictions on one GT a false positive', () => {
    // 2 GT (A, B). Ranks: A (0.9) TP, duplicate of A (0.8) FP, B (0.7) TP.
    // Precision 1, 1/2, 2/3 → envelope 1, 2/3, 2/3; recall 1/2, 1/2, 1.
    //   r = 0.00..0.50 (51 points) → 1;  r = 0.51..1.00 (50 points) → 2/3
    //   AP = (51 + 50·2/3) / 101 = (253/3) / 101 = 253/303 ≈ 0.83498
    const images = [
      {
        groundTruth: [gt(0, cell(0)), gt(0, cell(1))],
        predictions: [pred(0, cell(0), 0.9), pred(0, cell(0), 0.8), pred(0, cell(1), 0.7)],
      },
    ];
    const result = evaluateDetections(images);
    expect(result.map50).toBeCloseTo(253 / 303, DIGITS);
    expect(result.map5095).toBeCloseTo(253 / 303, DIGITS);
    // Without the duplicate it is perfect: the duplicate alone costs the difference.
    expect(evaluateDetections([{ ...images[0], predictions: [images[0].predictions[0], images[0].predictions[2]] }]).map5095).toBe(1);
  });

  it('matches greedily by confidence, not by best IoU', () => {
    // 1 GT [0,0,10,10]. Ranks: P1 (0.9) IoU 0.8 with [0,0,10,8]; P2 (0.8) IoU 1 (exact box).
    //   t = 0.50..0.80 (7 thresholds): P1 takes the GT, P2 is FP after it → AP 1
    //   t = 0.85..0.95 (3 thresholds): P1 misses (FP), P2 matches → precision 0, 1/2 → AP 1/2
    //   AP50-95 = (7·1 + 3·1/2) / 10 = 0.85
    const result = evaluateDetections([{ groundTruth: [gt(0, [0, 0, 10, 10])], predictions: [pred(0, [0, 0, 10, 8], 0.9), pred(0, [0, 0, 10, 10], 0.8)] }]);
    expect(result.map50).toBe(1);
    expect(result.map5095).toBeCloseTo(0.85, DIGITS);
  });

  it('matches each detection to the unmatched GT with the highest IoU', () => {
    // Boxes 10 high at y 0..10; x ranges: GT A = 0..10, GT B = 4..14; P1 (0.9) = 3..13; P2 (0.8) = 0..10.
    //   IoU(P1, A) = 7/13 ≈ 0.538, IoU(P1, B) = 9/11 ≈ 0.818, IoU(P2, A) = 1, IoU(P2, B) = 6/14 ≈ 0.429.
    //   t = 0.50..0.80 (7 thresholds): P1 takes B (its best), P2 takes A → AP 1.
    //     (Taking the first GT above threshold instead would give P1 A and leave P2 with B at 0.429: FP at t = 0.5.)
    //   t = 0.85..0.95 (3 thresholds): P1 reaches neither → FP; P2 takes A → precision 0, 1/2; recall 0, 1/2 of 2 GT
    //     → envelope 1/2, 1/2 → r = 0.00..0.50 (51 points) read 1/2, the rest 0 → AP = 51/202.
    //   AP50-95 = (7 + 3·51/202) / 10 = 1567/2020 ≈ 0.77574
    // Both GT orders, so that neither "first GT above threshold" nor "last GT above threshold" passes.
    const box = (x1: number, x2: number): Xyxy => [x1, 0, x2, 10];
    const a = gt(0, box(0, 10));
    const b = gt(0, box(4, 14));
    for (const groundTruth of [
      [a, b],
      [b, a],
    ]) {
      const result = evaluateDetections([{ groundTruth, predictions: [pred(0, box(3, 13), 0.9), pred(0, box(0, 10), 0.8)] }]);
      expect(result.map50).toBe(1);
      expect(result.map5095).toBeCloseTo(1567 / 2020, DIGITS);
    }
  });

  it('does not match across classes', () => {
    // GT class 0; the prediction has the exact box but class 1. Class 0: 1 GT, no detections → AP 0.
    // Class 1 has no GT → left out. mAP = AP(class 0) = 0.
    const result = evaluateDetections([{ groundTruth: [gt(0, cell(0))], predictions: [pred(1, cell(0), 0.99)] }]);
    expect(result.map50).toBe(0);
    expect(result.map5095).toBe(0);
    expect([...result.perClass.keys()]).toEqual([0]);
  });

  it('ignores classes without ground truth', () => {
    // Class 0 is perfect; class 5 has only predictions (would be AP 0 if counted) → mAP stays 1.
    const result = evaluateDetections([
      { groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(0), 0.5), pred(5, cell(3), 0.9), pred(5, cell(4), 0.8)] },
      { groundTruth: [], predictions: [pred(5, cell(1), 0.95)] },
    ]);
    expect(result.map50).toBe(1);
    expect(result.map5095).toBe(1);
    expect(result.perClass.has(5)).toBe(false);
  });

  it('gives NaN when no image has ground truth', () => {
    const result = evaluateDetections([{ groundTruth: [], predictions: [pred(0, cell(0), 0.5)] }]);
    expect(result.map50).toBeNaN();
    expect(result.perClass.size).toBe(0);
  });

  it('accumulates one ranking per class over all images (not a mean of per-image APs)', () => {
    // Class 0, 2 GT (one per image). Image 1: TP (0.6). Image 2: FP (0.9), TP (0.3).
    // Global ranks: FP 0.9, TP 0.6, TP 0.3 → precision 0, 1/2, 2/3 → envelope 2/3, 2/3, 2/3; recall 0, 1/2, 1.
    // Every recall point reads 2/3 → AP = 2/3. (Averaging per-image APs would give (1 + 1/2)/2 = 3/4.)
    const result = evaluateDetections([
      { groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(0), 0.6)] },
      { groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(9), 0.9), pred(0, cell(0), 0.3)] },
    ]);
    expect(result.map50).toBeCloseTo(2 / 3, DIGITS);
    expect(result.map5095).toBeCloseTo(2 / 3, DIGITS);
    expect(result.perClass.get(0)?.groundTruthCount).toBe(2);
  });

  it('averages over classes: class 0 AP 1 and class 1 AP 1/2 → mAP 3/4', () => {
    // Class 1: 1 GT, ranks FP (0.9), TP (0.8) → AP 1/2 (as above). Class 0 perfect.
    const result = evaluateDetections([
      { groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(0), 0.3)] },
      { groundTruth: [gt(1, cell(1))], predictions: [pred(1, cell(2), 0.9), pred(1, cell(1), 0.8)] },
    ]);
    expect(result.perClass.get(0)?.ap5095).toBe(1);
    expect(result.perClass.get(1)?.ap5095).toBeCloseTo(0.5, DIGITS);
    expect(result.map50).toBeCloseTo(0.75, DIGITS);
    expect(result.map5095).toBeCloseTo(0.75, DIGITS);
  });

  it('breaks confidence ties by input order (image order, then list order), like pycocotools mergesort', () => {
    // 1 GT in image 2. Image 1 FP and image 2 TP both at 0.5 → FP ranks first → AP 1/2.
    const fpFirst = evaluateDetections([
      { groundTruth: [], predictions: [pred(0, cell(1), 0.5)] },
      { groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(0), 0.5)] },
    ]);
    expect(fpFirst.map50).toBeCloseTo(0.5, DIGITS);
    // Images swapped: TP ranks first → the FP after it costs nothing → AP 1.
    const tpFirst = evaluateDetections([
      { groundTruth: [gt(0, cell(0))], predictions: [pred(0, cell(0), 0.5)] },
      { groundTruth: [], predictions: [pred(0, cell(1), 0.5)] },
    ]);
    expect(tpFirst.map50).toBe(1);
  });

  it('keeps only the best 100 detections per image and class by default, as COCO does', () => {
    // 1 GT; 100 FPs scored 0.9 and above, then the TP at 0.1 (rank 101).
    //   default (100 kept): the TP is dropped → AP 0
    //   all kept: precision at the TP is 1/101, the envelope makes it so at every rank → AP = 1/101
    const predictions = [...Array.from({ length: 100 }, (_, i) => pred(0, cell(i + 1), 0.9 + i / 1000)), pred(0, cell(0), 0.1)];
    const images = [{ groundTruth: [gt(0, cell(0))], predictions }];
    expect(evaluateDetections(images).map50).toBe(0);
    expect(evaluateDetections(images, { maxDetectionsPerImageClass: Number.POSITIVE_INFINITY }).map50).toBeCloseTo(1 / 101, DIGITS);
  });

  it('rejects NaN confidences and non-finite boxes', () => {
    expect(() => evaluateDetections([{ groundTruth: [], predictions: [pred(0, cell(0), Number.NaN)] }])).toThrow(TypeError);
    expect(() => evaluateDetections([{ groundTruth: [gt(0, [0, 0, Number.NaN, 1])], predictions: [] }])).toThrow(TypeError);
  });
});
