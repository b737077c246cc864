import { InvalidOptionError } from '@yolokit/core';

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

/** Intersection over union of two `[x1, y1, x2, y2]` boxes. */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

// The doubles nearest to 0.50, 0.55 … 0.95 and to 0, 0.01 … 1 (0.5 + 0.05 * 2 would be 0.6000000000000001).
const THRESHOLDS = Array.from({ length: 10 }, (_, i) => (50 + 5 * i) / 100);

/** Options of {@link meanAveragePrecision}. */
export interface MeanAveragePrecisionOptions {
  /**
   * The overlap of a detection's box with a ground-truth box; boxes are whatever it takes (oriented boxes
   * `[cx, cy, w, h, angle]` with `rotatedBoxIou`).
   * @defaultValue {@link boxIou}, for `[x1, y1, x2, y2]` boxes
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
  const classes = new Set<number>();
  let truthCount = 0;
  let detectionCount = 0;
  for (const image of images) {
    for (const t of image.truths) classes.add(t.classId);
    truthCount += image.truths.length;
    detectionCount += image.detections.length;
  }
  const perClass: ClassAveragePrecision[] = [];
  for (const classId of [...classes].sort((a, b) => a - b)) {
    const aps = THRESHOLDS.map((threshold) => classAp(images, classId, threshold, iou));
    perClass.push({
      classId,
      truths: images.reduce((n, image) => n + image.truths.filter((t) => t.classId === classId).length, 0),
      ap50: aps[0],
      ap50to95: mean(aps),
    });
  }
  const { precision, recall } = pooledPrecisionRecall(images, 0.5, iou);
  return {
    map50: mean(perClass.map((c) => c.ap50)),
    map50to95: mean(perClass.map((c) => c.ap50to95)),
    precision,
    recall,
    images: images.length,
    truths: truthCount,
    detections: detectionCount,
    perClass,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
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

function classAp(images: readonly EvaluatedImage[], classId: number, threshold: number, overlap: (a: Box, b: Box) => number): number {
  const ranked: { confidence: number; hit: boolean }[] = [];
  let truths = 0;
  for (const image of images) {
    const detections = image.detections.filter((d) => d.classId === classId);
    const classTruths = image.truths.filter((t) => t.classId === classId);
    truths += classTruths.length;
    const hits = matchImage(detections, classTruths, threshold, overlap);
    detections.forEach((d, i) => {
      ranked.push({ confidence: d.confidence, hit: hits[i] });
    });
  }
  if (truths === 0) return 0;
  ranked.sort((a, b) => b.confidence - a.confidence);
  const recall: number[] = [];
  const precision: number[] = [];
  let tp = 0;
  ranked.forEach((r, i) => {
    if (r.hit) tp++;
    recall.push(tp / truths);
    precision.push(tp / (i + 1));
  });
  // Precision envelope: the best precision at this recall or any higher one.
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
  let sum = 0;
  let k = 0;
  for (let p = 0; p <= 100; p++) {
    const r = p / 100;
    while (k < recall.length && recall[k] < r) k++;
    sum += k < recall.length ? precision[k] : 0;
  }
  return sum / 101;
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
