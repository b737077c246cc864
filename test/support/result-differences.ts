import { boxIou, type Detection, type Result } from '@yolokit/core';
import { maskIou, regionFromMask } from './mask-iou.js';

/** How close two results must be for {@link differences}. */
export interface DifferenceTolerances {
  /** Largest difference of a box coordinate or a keypoint value (x, y in pixels, visibility). @defaultValue 1e-4 */
  readonly tolerance?: number;
  /** Largest confidence difference. @defaultValue `tolerance` */
  readonly confidence?: number;
  /** Smallest IoU of two detections' masks; 1 asks for bit-identical masks. @defaultValue 1 */
  readonly minMaskIou?: number;
}

/** How far apart two detections are. */
export interface DetectionGap {
  readonly box: number;
  readonly confidence: number;
  /** IoU of the masks: 1 when both have none, 0 when only one has one. */
  readonly maskIou: number;
  /** Largest difference of a keypoint's x or y (px), 0 when neither has keypoints; Infinity when only one has. */
  readonly keypointXy: number;
  /** Largest keypoint visibility difference. */
  readonly keypointVisibility: number;
  /** Largest Euclidean distance between a keypoint of each. */
  readonly keypointDistance: number;
  /** Largest difference of an oriented box's cx, cy, w, h (px) or angle (rad): 0 when neither has one; Infinity when only one has. */
  readonly obb: number;
}

/** Compares two detections of the same image. */
export function detectionGap(actual: Detection, expected: Detection): DetectionGap {
  const box = Math.max(...actual.box.map((v, k) => Math.abs(v - expected.box[k])));
  let maskIouValue = 1;
  if (actual.mask || expected.mask) maskIouValue = actual.mask && expected.mask ? maskIou(regionFromMask(actual.mask), regionFromMask(expected.mask)) : 0;
  let keypointXy = 0;
  let keypointVisibility = 0;
  let keypointDistance = 0;
  const [a, e] = [actual.keypoints, expected.keypoints];
  if (a || e) {
    if (!a || !e || a.dims !== e.dims || a.count !== e.count) {
      keypointXy = keypointVisibility = keypointDistance = Number.POSITIVE_INFINITY;
    } else {
      for (let k = 0; k < a.count; k++) {
        const dx = Math.abs(a.data[k * a.dims] - e.data[k * e.dims]);
        const dy = Math.abs(a.data[k * a.dims + 1] - e.data[k * e.dims + 1]);
        keypointXy = Math.max(keypointXy, dx, dy);
        keypointDistance = Math.max(keypointDistance, Math.hypot(dx, dy));
        if (a.dims > 2) keypointVisibility = Math.max(keypointVisibility, Math.abs(a.data[k * a.dims + 2] - e.data[k * e.dims + 2]));
      }
    }
  }
  let obb = 0;
  if (actual.obb || expected.obb) {
    const [p, q] = [actual.obb, expected.obb];
    obb = p && q ? Math.max(...(['cx', 'cy', 'w', 'h', 'angle'] as const).map((k) => Math.abs(p[k] - q[k]))) : Number.POSITIVE_INFINITY;
  }
  return { box, confidence: Math.abs(actual.confidence - expected.confidence), maskIou: maskIouValue, keypointXy, keypointVisibility, keypointDistance, obb };
}

/**
 * Differences between two results, as text; empty when equal: the same detections in the same order, boxes and
 * confidences within 1e-4, masks bit-identical and keypoints and oriented boxes within 1e-4, a classifier's
 * probabilities within 1e-4 and the same top five, unless `tolerances` say otherwise.
 */
export function differences(actual: Result, expected: Result, tolerances: DifferenceTolerances = {}): string[] {
  const tolerance = tolerances.tolerance ?? 1e-4;
  const confidence = tolerances.confidence ?? tolerance;
  const minMaskIou = tolerances.minMaskIou ?? 1;
  const out: string[] = [];
  if (actual.width !== expected.width || actual.height !== expected.height) out.push(`size ${actual.width}x${actual.height} != ${expected.width}x${expected.height}`);
  if (actual.task !== expected.task) out.push(`task ${actual.task} != ${expected.task}`);
  if (!actual.probs !== !expected.probs) out.push(`probs ${actual.probs ? 'present' : 'absent'}, expected ${expected.probs ? 'present' : 'absent'}`);
  if (actual.probs && expected.probs) {
    if (actual.probs.length !== expected.probs.length) out.push(`probs: ${actual.probs.length} classes != ${expected.probs.length}`);
    const worst = Math.max(0, ...Array.from(actual.probs, (p, k) => Math.abs(p - (expected.probs?.[k] ?? Number.NaN))));
    if (!(worst <= confidence)) out.push(`probs differ by ${worst}`);
    const top = (r: Result) => (r.top5 ?? []).map((c) => `${c.classId}:${c.className}`).join(',');
    if (top(actual) !== top(expected)) out.push(`top5 ${top(actual)} != ${top(expected)}`);
  }
  if (actual.detections.length !== expected.detections.length) {
    out.push(`count ${actual.detections.length} != ${expected.detections.length}`);
    return out;
  }
  actual.detections.forEach((d, i) => {
    const e = expected.detections[i];
    if (d.classId !== e.classId) out.push(`#${i} class ${d.classId} != ${e.classId}`);
    if (Math.abs(d.confidence - e.confidence) > confidence) out.push(`#${i} confidence ${d.confidence} != ${e.confidence}`);
    d.box.forEach((v, k) => {
      if (Math.abs(v - e.box[k]) > tolerance) out.push(`#${i} box[${k}] ${v} != ${e.box[k]}`);
    });
    if (!d.mask !== !e.mask) out.push(`#${i} mask ${d.mask ? 'present' : 'absent'}, expected ${e.mask ? 'present' : 'absent'}`);
    if (!d.keypoints !== !e.keypoints) out.push(`#${i} keypoints ${d.keypoints ? 'present' : 'absent'}, expected ${e.keypoints ? 'present' : 'absent'}`);
    if (!d.obb !== !e.obb) out.push(`#${i} obb ${d.obb ? 'present' : 'absent'}, expected ${e.obb ? 'present' : 'absent'}`);
    if (!d.mask && !e.mask && !d.keypoints && !e.keypoints && !d.obb && !e.obb) return;
    const gap = detectionGap(d, e);
    if (d.obb && e.obb && gap.obb > tolerance) out.push(`#${i} oriented box differs by ${gap.obb}`);
    if (d.mask && e.mask && gap.maskIou < minMaskIou) out.push(`#${i} mask IoU ${gap.maskIou.toFixed(5)} < ${minMaskIou} (area ${d.mask.area} vs ${e.mask.area})`);
    if (d.keypoints && e.keypoints && Math.max(gap.keypointXy, gap.keypointVisibility) > tolerance) {
      out.push(`#${i} keypoints differ by ${gap.keypointXy} px (x, y), ${gap.keypointVisibility} (visibility)`);
    }
  });
  return out;
}

/** The worst of {@link detectionGap} over detection pairs, for reports. */
export interface GapSummary {
  pairs: number;
  masks: number;
  /** Pairs whose masks are not bit-identical. */
  masksNotIdentical: number;
  maxBox: number;
  maxConfidence: number;
  minMaskIou: number;
  maxKeypointXy: number;
  maxKeypointVisibility: number;
  maxKeypointDistance: number;
  maxObb: number;
}

export function emptyGapSummary(): GapSummary {
  return { pairs: 0, masks: 0, masksNotIdentical: 0, maxBox: 0, maxConfidence: 0, minMaskIou: 1, maxKeypointXy: 0, maxKeypointVisibility: 0, maxKeypointDistance: 0, maxObb: 0 };
}

/** Adds the gaps of `pairs` to `summary` (in place) and returns it. */
export function summariseGaps(summary: GapSummary, pairs: Iterable<readonly [Detection, Detection]>): GapSummary {
  for (const [a, e] of pairs) {
    const gap = detectionGap(a, e);
    summary.pairs += 1;
    if (a.mask || e.mask) {
      summary.masks += 1;
      if (gap.maskIou < 1) summary.masksNotIdentical += 1;
    }
    summary.maxBox = Math.max(summary.maxBox, gap.box);
    summary.maxConfidence = Math.max(summary.maxConfidence, gap.confidence);
    summary.minMaskIou = Math.min(summary.minMaskIou, gap.maskIou);
    summary.maxKeypointXy = Math.max(summary.maxKeypointXy, gap.keypointXy);
    summary.maxKeypointVisibility = Math.max(summary.maxKeypointVisibility, gap.keypointVisibility);
    summary.maxKeypointDistance = Math.max(summary.maxKeypointDistance, gap.keypointDistance);
    summary.maxObb = Math.max(summary.maxObb, gap.obb);
  }
  return summary;
}

/** The detections of two results paired by index (for results expected to be equal). */
export function pairedByIndex(actual: Result, expected: Result): Array<readonly [Detection, Detection]> {
  const n = Math.min(actual.detections.length, expected.detections.length);
  return Array.from({ length: n }, (_, i) => [actual.detections[i], expected.detections[i]] as const);
}


/**
 * Pairs the detections of two results of one image by class and box IoU (at least `minBoxIou`), greedily,
 * best IoU first: for results of different runtimes, whose near-equal scores may order detections differently.
 */
export function matchDetections(
  actual: Result,
  expected: Result,
  minBoxIou = 0.5,
): { pairs: Array<readonly [Detection, Detection]>; unmatchedActual: Detection[]; unmatchedExpected: Detection[] } {
  const candidates: Array<{ i: number; j: number; iou: number }> = [];
  actual.detections.forEach((a, i) => {
    expected.detections.forEach((e, j) => {
      if (a.classId !== e.classId) return;
      const iou = boxIou(a.box, e.box);
      if (iou >= minBoxIou) candidates.push({ i, j, iou });
    });
  });
  candidates.sort((x, y) => y.iou - x.iou);
  const usedA = new Set<number>();
  const usedE = new Set<number>();
  const pairs: Array<readonly [Detection, Detection]> = [];
  for (const { i, j } of candidates) {
    if (usedA.has(i) || usedE.has(j)) continue;
    usedA.add(i);
    usedE.add(j);
    pairs.push([actual.detections[i], expected.detections[j]]);
  }
  return {
    pairs,
    unmatchedActual: actual.detections.filter((_, i) => !usedA.has(i)),
    unmatchedExpected: expected.detections.filter((_, j) => !usedE.has(j)),
  };
}
