/**
 * The one mAP evaluator of yolokit (it was in the tests' support folder; now the default model's
 * `meanAveragePrecision`, the CLI's demo and the accuracy tests all score the same way).
 *
 * Detection mAP as COCO defines it (pycocotools' `COCOeval` for `iouType='bbox'`, and `iouType='segm'` when an
 * `iou` function over masks is passed: COCOeval differs between the two only in how it computes IoU), which is
 * what Ultralytics' published reference numbers and fixtures/PROVENANCE.md use:
 *
 * - IoU thresholds 0.50, 0.55, ..., 0.95; recall points 0, 0.01, ..., 1 (101-point interpolated AP).
 * - Per image and class, detections are sorted by descending confidence (stable, so ties keep input order),
 *   only the best `maxDetectionsPerImageClass` (COCO: 100) are kept, and each is greedily matched to the
 *   not-yet-matched ground-truth box of its class with the highest IoU ≥ threshold. A detection is matched
 *   (or not) independently for each threshold.
 * - Per class, all images' detections are merged and stably sorted by descending confidence, precision and
 *   recall accumulated in that order, the precision made monotone (each value replaced by the maximum
 *   precision at any later rank), then read at each recall point r as the precision at the first rank whose
 *   recall is ≥ r, and 0 where r exceeds the highest recall reached. AP is the mean of the 101 readings.
 * - Classes without ground truth are left out (pycocotools marks them -1 and skips them); a class with ground
 *   truth and no detections has AP 0 and counts. mAP is the mean over the classes with ground truth.
 *
 * Not handled, because the labels here have none of it: crowd boxes, ignore flags and COCO's area ranges.
 *
 * Float details, where this deliberately differs from pycocotools by default:
 * - Thresholds are the doubles nearest to the decimal values (0.75 is exactly 0.75), computed as
 *   `(50 + 5 i) / 100` and `i / 100`. Recall `tp / n` and `i / 100` are then both correctly rounded, so
 *   comparing them with `>=` orders the underlying fractions exactly; likewise an IoU that is exactly 0.75
 *   (7500 / 10000) meets the 0.75 threshold. pycocotools builds them with `np.linspace`, which yields
 *   0.8999999999999999 instead of 0.9 and, for 10 of the 101 recall points (0.35, 0.41, 0.47, 0.57, 0.69,
 *   0.70, 0.82, 0.83, 0.94, 0.95), a value one ulp above the decimal: a recall of exactly 0.35 (7 of 20 boxes
 *   found) is then read at the next rank, which is lower or equal precision. On small sets this moves mAP by
 *   up to about 1e-3. `{ thresholds: 'pycocotools' }` reproduces those values bit for bit, for comparisons
 *   with pycocotools itself.
 * - Precision is `tp / (tp + fp)` without pycocotools' `+ eps` in the denominator (there is always at least one
 *   detection at a rank, so it cannot divide by zero); pycocotools' perfect AP is 1 - 2e-16, this one is 1.
 *   That difference is float noise (≤ 1e-15) and is not reproduced.
 */

import { boxIou } from '@yolokit/core';

/** A box as `[x1, y1, x2, y2]` in pixels (any consistent unit works: IoU is scale-free). */
export type Xyxy = readonly [number, number, number, number];

export interface GroundTruthBox {
  classId: number;
  box: Xyxy;
}

export interface PredictedBox {
  classId: number;
  box: Xyxy;
  confidence: number;
}

/** What the evaluator needs of a ground-truth object: its class (its shape is the `iou` function's business). */
export interface Labelled {
  classId: number;
}

/** What the evaluator needs of a prediction: its class and confidence. */
export interface Scored extends Labelled {
  confidence: number;
}

/** One image's ground truth and predictions: boxes by default, anything an `iou` option compares. */
export interface EvaluationImage<G extends Labelled = GroundTruthBox, P extends Scored = PredictedBox> {
  groundTruth: readonly G[];
  predictions: readonly P[];
}

/** One class in {@link DetectionMetrics}. */
export interface ClassDetectionMetrics {
  /** AP at IoU 0.50. */
  ap50: number;
  /** Mean of the APs at IoU 0.50, 0.55, ..., 0.95. */
  ap5095: number;
  /** Ground-truth boxes of this class over all images (always ≥ 1: classes without any are left out). */
  groundTruthCount: number;
}

export interface DetectionMetrics {
  /** Mean of `ap50` over the classes with ground truth; NaN when no image has any ground truth. */
  map50: number;
  /** Mean of `ap5095` over the classes with ground truth; NaN when no image has any ground truth. */
  map5095: number;
  /** One entry per class that has ground truth, in ascending class order. */
  perClass: Map<number, ClassDetectionMetrics>;
}

export interface EvaluateOptions {
  /**
   * Detections kept per image and class, best first (pycocotools' `maxDets[-1]`, 100 by default). Pass
   * `Infinity` to keep them all.
   */
  maxDetectionsPerImageClass?: number;
  /**
   * `'decimal'` (default): IOU_THRESHOLDS and RECALL_POINTS, the exact decimal values. `'pycocotools'`:
   * PYCOCOTOOLS_IOU_THRESHOLDS and PYCOCOTOOLS_RECALL_POINTS, np.linspace's values (see the file comment).
   */
  thresholds?: 'decimal' | 'pycocotools';
}

/**
 * Options with the overlap measure of the objects: `iou(prediction, groundTruth)` in [0, 1], such as mask IoU
 * (the tests' test/support/mask-iou.ts). Boxes are then not required or checked; the rest of the evaluation is the same.
 */
export interface EvaluateWithIouOptions<G extends Labelled, P extends Scored> extends EvaluateOptions {
  iou: (prediction: P, groundTruth: G) => number;
}

/** 0.50, 0.55, ..., 0.95, each the double nearest to the decimal (see the file comment for why). */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(Array.from({ length: 10 }, (_, i) => (50 + 5 * i) / 100));

/** 0, 0.01, ..., 1, each the double nearest to the decimal. */
export const RECALL_POINTS: readonly number[] = Object.freeze(Array.from({ length: 101 }, (_, i) => i / 100));

/**
 * `np.linspace(start, stop, num)` as numpy computes it (`i * step + start`, the last value set to `stop`), so
 * that the pycocotools thresholds come out bit for bit (checked against numpy for the two ranges used here).
 */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/** pycocotools' `iouThrs`: `np.linspace(.5, 0.95, 10)`, whose 0.9 is 0.8999999999999999. */
export const PYCOCOTOOLS_IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));

/** pycocotools' `recThrs`: `np.linspace(0, 1, 101)`, 10 of whose values lie one ulp above the decimal. */
export const PYCOCOTOOLS_RECALL_POINTS: readonly number[] = Object.freeze(linspace(0, 1, 101));

/**
 * 101-point interpolated AP of one class at one IoU threshold.
 *
 * @param matched for each detection of the class, over all images, in descending confidence order: whether it
 *   matched a ground-truth box (true positive) or not (false positive).
 * @param groundTruthCount ground-truth boxes of the class over all images; must be ≥ 1.
 * @param recallPoints where precision is read (ascending); AP is the mean of the readings.
 */
export function interpolatedAp(matched: readonly boolean[], groundTruthCount: number, recallPoints: readonly number[] = RECALL_POINTS): number {
  if (!(groundTruthCount >= 1)) throw new RangeError(`groundTruthCount must be at least 1, got ${groundTruthCount}`);
  const n = matched.length;
  const precision = new Array<number>(n);
  const recall = new Array<number>(n);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (matched[i]) tp++;
    // Each rank holds at least one detection, so i + 1 = tp + fp > 0.
    precision[i] = tp / (i + 1);
    recall[i] = tp / groundTruthCount;
  }
  // Precision envelope: at each rank, the best precision reachable at that recall or beyond.
  for (let i = n - 1; i > 0; i--) {
    if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
  }
  // Recall never decreases along the ranks, so one forward scan finds, for each recall point in turn, the first
  // rank whose recall reaches it (np.searchsorted(recall, points, side='left') in pycocotools).
  let sum = 0;
  let rank = 0;
  for (const point of recallPoints) {
    while (rank < n && recall[rank] < point) rank++;
    if (rank === n) break; // beyond the highest recall reached: precision 0 for this and every later point
    sum += precision[rank];
  }
  return sum / recallPoints.length;
}

interface RankedDetection {
  confidence: number;
  /** Matched or not at each IoU threshold. */
  matched: boolean[];
}

function checkBox(box: Xyxy, what: string): void {
  if (box.length !== 4 || !box.every(Number.isFinite)) throw new TypeError(`${what} box must be 4 finite numbers, got [${box.join(', ')}]`);
}

/** Groups items by classId, keeping their order within each class. */
function byClass<T extends { classId: number }>(items: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(item.classId);
    if (group) group.push(item);
    else groups.set(item.classId, [item]);
  }
  return groups;
}

/** Greedy matching of one image's detections of one class, at every IoU threshold. */
function matchImageClass<G extends Labelled, P extends Scored>(
  groundTruth: readonly G[],
  predictions: readonly P[],
  maxDetections: number,
  iouThresholds: readonly number[],
  overlap: (prediction: P, groundTruth: G) => number,
): RankedDetection[] {
  // Array.prototype.sort is stable (ES2019), like pycocotools' mergesort: equal confidences keep input order.
  const ranked = [...predictions].sort((a, b) => b.confidence - a.confidence).slice(0, maxDetections);
  const ious = ranked.map((p) => groundTruth.map((g) => overlap(p, g)));
  const results = ranked.map((p) => ({ confidence: p.confidence, matched: new Array<boolean>(iouThresholds.length).fill(false) }));
  iouThresholds.forEach((threshold, t) => {
    const taken = new Array<boolean>(groundTruth.length).fill(false);
    for (let d = 0; d < ranked.length; d++) {
      let best = threshold;
      let match = -1;
      for (let g = 0; g < groundTruth.length; g++) {
        if (taken[g]) continue;
        // `<` skips and equality takes, as in pycocotools: IoU exactly at the threshold matches, and among
        // equal IoUs the later ground-truth box wins.
        if (ious[d][g] < best) continue;
        best = ious[d][g];
        match = g;
      }
      if (match >= 0) {
        taken[match] = true;
        results[d].matched[t] = true;
      }
    }
  });
  return results;
}

const boxOverlap = (prediction: PredictedBox, groundTruth: GroundTruthBox): number => boxIou(prediction.box, groundTruth.box);

/**
 * COCO mAP50 and mAP50-95 of `images` (see the file comment for the exact definition): of boxes, or of any
 * objects with `options.iou` (mask mAP with `maskIou`).
 */
export function evaluateDetections(images: readonly EvaluationImage[], options?: EvaluateOptions): DetectionMetrics;
export function evaluateDetections<G extends Labelled, P extends Scored>(
  images: readonly EvaluationImage<G, P>[],
  options: EvaluateWithIouOptions<G, P>,
): DetectionMetrics;
export function evaluateDetections<G extends Labelled, P extends Scored>(
  images: readonly EvaluationImage<G, P>[],
  options: EvaluateOptions & { iou?: (prediction: P, groundTruth: G) => number } = {},
): DetectionMetrics {
  const custom = options.iou;
  // Without an `iou` option the objects are boxes (the first overload's types).
  const overlap = custom ?? (boxOverlap as unknown as (prediction: P, groundTruth: G) => number);
  const maxDetections = options.maxDetectionsPerImageClass ?? 100;
  if (!(maxDetections >= 0)) throw new RangeError(`maxDetectionsPerImageClass must be ≥ 0, got ${maxDetections}`);
  const pycocotools = options.thresholds === 'pycocotools';
  const iouThresholds = pycocotools ? PYCOCOTOOLS_IOU_THRESHOLDS : IOU_THRESHOLDS;
  const recallPoints = pycocotools ? PYCOCOTOOLS_RECALL_POINTS : RECALL_POINTS;

  const groundTruthCounts = new Map<number, number>();
  // Per class, every image's ranked detections, concatenated in image order (then stably re-sorted below).
  const detections = new Map<number, RankedDetection[]>();

  for (const image of images) {
    if (!custom) for (const g of image.groundTruth as unknown as GroundTruthBox[]) checkBox(g.box, 'ground-truth');
    for (const p of image.predictions) {
      if (!custom) checkBox((p as unknown as PredictedBox).box, 'predicted');
      // NaN would make the sort order undefined and silently change the result.
      if (Number.isNaN(p.confidence)) throw new TypeError('predicted confidence is NaN');
    }
    const gtByClass = byClass(image.groundTruth);
    const predByClass = byClass(image.predictions);
    for (const [classId, gts] of gtByClass) groundTruthCounts.set(classId, (groundTruthCounts.get(classId) ?? 0) + gts.length);
    for (const [classId, preds] of predByClass) {
      const matched = matchImageClass(gtByClass.get(classId) ?? [], preds, maxDetections, iouThresholds, overlap);
      const list = detections.get(classId);
      // A loop, not push(...matched): spreading a very long array (maxDetectionsPerImageClass: Infinity) can
      // exceed the engine's argument limit.
      if (list) for (const m of matched) list.push(m);
      else detections.set(classId, matched);
    }
  }

  const perClass = new Map<number, ClassDetectionMetrics>();
  for (const classId of [...groundTruthCounts.keys()].sort((a, b) => a - b)) {
    const groundTruthCount = groundTruthCounts.get(classId)!;
    const ranked = (detections.get(classId) ?? []).sort((a, b) => b.confidence - a.confidence);
    const aps = iouThresholds.map((_, t) =>
      interpolatedAp(
        ranked.map((d) => d.matched[t]),
        groundTruthCount,
        recallPoints,
      ),
    );
    perClass.set(classId, { ap50: aps[0], ap5095: mean(aps), groundTruthCount });
  }

  const classes = [...perClass.values()];
  return {
    map50: mean(classes.map((c) => c.ap50)),
    map5095: mean(classes.map((c) => c.ap5095)),
    perClass,
  };
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
