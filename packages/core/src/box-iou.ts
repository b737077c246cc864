/**
 * Intersection over union of two `[x1, y1, x2, y2]` boxes in continuous coordinates (no "+1" pixel convention).
 *
 * The one box IoU of yolokit, in the two forms its users need:
 * - `eps` 0 (the default): the exact ratio, as pycocotools computes it for mAP; boxes that only touch, or that
 *   have no area, give 0 (an inverted box counts as no area, so the union never shrinks below the intersection).
 * - `eps` 1e-7: Ultralytics' `bbox_ioa(..., iou=True)` (`ultralytics/utils/metrics.py`, 8.3), which adds it to
 *   the union; ByteTrack's association uses it, so tracks match Ultralytics' to the last digit.
 *
 * NMS keeps its own inlined overlap test for speed (`nonMaxSuppression`).
 */
export function boxIou(a: ArrayLike<number>, b: ArrayLike<number>, eps = 0): number {
  const width = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const intersection = width > 0 && height > 0 ? width * height : 0;
  const areaA = Math.max(0, a[2] - a[0]) * Math.max(0, a[3] - a[1]);
  const areaB = Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  const union = areaA + areaB - intersection;
  if (eps > 0) return intersection / (union + eps);
  return union > 0 ? intersection / union : 0;
}
