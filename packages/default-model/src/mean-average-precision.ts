import { InvalidOptionError } from '@yolokit/core';
import { boxIou } from '@yolokit/core';
import { evaluateDetections } from './evaluate-detections.js';

type Box = readonly [number, number, number, number] | readonly number[];

/** A detection to score: a box `[x1, y1, x2, y2]`, a class and a confidence (a core `Detection` fits). */
export interface ScoredBox {
  readonly box: Box;
  readonly classId: number;
  readonly confidence: number;
}

/** A ground-truth object (a scene's `SceneObject` fits). */
export interface TruthBox {
  readonly box: Box;
  readonly classId: number;
}

/** The detections and the ground truth of one image. */
export interface EvaluatedImage {
  readonly detections: readonly ScoredBox[];
  readonly truths: readonly TruthBox[];
}

/** Average precision of one class. */
export interface ClassAveragePrecision {
  readonly classId: number;
  /** Ground-truth objects of this class. */
  readonly truths: number;
  readonly ap50: number;
  readonly ap50to95: number;
}

/** What {@link meanAveragePrecision} measures. */
export interface MeanAveragePrecision {
  /** Mean over classes of AP at IoU 0.5. */
  readonly map50: number;
  /** Mean over classes and IoU thresholds 0.50, 0.55 … 0.95 (COCO's mAP). */
  readonly map50to95: number;
  /** Precision and recall at IoU 0.5 over every detection given (all classes pooled). */
  readonly precision: number;
  readonly recall: number;
  readonly images: number;
  readonly truths: number;
  readonly detections: number;
  readonly perClass: readonly ClassAveragePrecision[];
}

/** Options of {@link meanAveragePrecision}. */
export interface MeanAveragePrecisionOptions {
  /**
   * The overlap of a detection's box with a ground-truth box; boxes are whatever it takes (oriented boxes
   * `[cx, cy, w, h, angle]` with `rotatedBoxIou`).
   * @defaultValue core's `boxIou`, for `[x1, y1, x2, y2]` boxes
   */
  readonly iou?: (a: Box, b: Box) => number;
}

/**
 * COCO-style mean average precision: per class and IoU threshold, detections of all images ranked by
 * confidence are matched greedily to the unmatched ground truth they overlap most (IoU ≥ the threshold);
 * AP is the area under the interpolated precision envelope sampled at 101 recall points, as Ultralytics'
 * and COCO's evaluators do. Classes without ground truth are left out of the mean.
 *
 * @example
 * ```ts
 * import { generateScene, meanAveragePrecision } from '@yolokit/default-model';
 * const scene = generateScene(1);
 * const perfect = scene.objects.map((o) => ({ box: o.box, classId: o.classId, confidence: 1 }));
 * const { map50 } = meanAveragePrecision([{ detections: perfect, truths: scene.objects }]);
 * console.log(map50); // 1
 * ```
 */
export function meanAveragePrecision(images: readonly EvaluatedImage[], options: MeanAveragePrecisionOptions = {}): MeanAveragePrecision {
  const iou = options.iou ?? boxIou;
  if (!Array.isArray(images as unknown)) throw new InvalidOptionError('images', 'meanAveragePrecision(images): images must be an array of { detections, truths }');
  let truthCount = 0;
  let detectionCount = 0;
  for (const image of images) {
    truthCount += image.truths.length;
    detectionCount += image.detections.length;
  }
  // The COCO evaluation, with every detection kept (this evaluator never capped them per image and class).
  const metrics = evaluateDetections(
    images.map((image) => ({ groundTruth: image.truths, predictions: image.detections })),
    { iou: (detection: ScoredBox, truth: TruthBox) => iou(detection.box, truth.box), maxDetectionsPerImageClass: Number.POSITIVE_INFINITY },
  );
  const perClass: ClassAveragePrecision[] = [...metrics.perClass].map(([classId, c]) => ({ classId, truths: c.groundTruthCount, ap50: c.ap50, ap50to95: c.ap5095 }));
  const { precision, recall } = pooledPrecisionRecall(images, 0.5, iou);
  return {
    // No ground truth at all: 0 here (the COCO evaluation says NaN).
    map50: perClass.length === 0 ? 0 : metrics.map50,
    map50to95: perClass.length === 0 ? 0 : metrics.map5095,
    precision,
    recall,
    images: images.length,
    truths: truthCount,
    detections: detectionCount,
    perClass,
  };
}

/** True-positive flags of one image's detections (any order), matched greedily by confidence. */
function matchImage(detections: readonly ScoredBox[], truths: readonly TruthBox[], threshold: number, overlap: (a: Box, b: Box) => number): boolean[] {
  const order = detections.map((_, i) => i).sort((a, b) => detections[b].confidence - detections[a].confidence || a - b);
  const used = new Array<boolean>(truths.length).fill(false);
  const hits = new Array<boolean>(detections.length).fill(false);
  for (const i of order) {
    let best = -1;
    let bestIou = threshold;
    for (let j = 0; j < truths.length; j++) {
      if (used[j] || truths[j].classId !== detections[i].classId) continue;
      const iou = overlap(detections[i].box, truths[j].box);
      if (iou >= bestIou) {
        bestIou = iou;
        best = j;
      }
    }
    if (best >= 0) {
      used[best] = true;
      hits[i] = true;
    }
  }
  return hits;
}

function pooledPrecisionRecall(images: readonly EvaluatedImage[], threshold: number, overlap: (a: Box, b: Box) => number): { precision: number; recall: number } {
  let tp = 0;
  let detections = 0;
  let truths = 0;
  for (const image of images) {
    tp += matchImage(image.detections, image.truths, threshold, overlap).filter(Boolean).length;
    detections += image.detections.length;
    truths += image.truths.length;
  }
  return { precision: detections === 0 ? 0 : tp / detections, recall: truths === 0 ? 0 : tp / truths };
}
