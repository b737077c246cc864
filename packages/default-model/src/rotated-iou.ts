import { type OrientedBox, orientedBoxCorners } from '@yolokit/core';

type Point = readonly [number, number];

/** An oriented box as `[cx, cy, w, h, angle]` or `{ cx, cy, w, h, angle }`. */
export type OrientedBoxLike = readonly number[] | OrientedBox;

/** Twice the signed area of a polygon (positive when its corners run counter-clockwise in x-right, y-up terms). */
function signedArea2(polygon: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i];
    const [x2, y2] = polygon[(i + 1) % polygon.length];
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}

/** The part of convex `subject` inside convex `clip` (Sutherland–Hodgman), both with corners in the same turning sense. */
function clipConvex(subject: readonly Point[], clip: readonly Point[], sense: number): Point[] {
  let output: Point[] = [...subject];
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const [ax, ay] = clip[i];
    const [bx, by] = clip[(i + 1) % clip.length];
    const side = ([x, y]: Point) => sense * ((bx - ax) * (y - ay) - (by - ay) * (x - ax));
    const input = output;
    output = [];
    for (let k = 0; k < input.length; k++) {
      const p = input[k];
      const q = input[(k + 1) % input.length];
      const sp = side(p);
      const sq = side(q);
      if (sp >= 0) output.push(p);
      if ((sp >= 0) !== (sq >= 0)) {
        const t = sp / (sp - sq);
        output.push([p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]);
      }
    }
  }
  return output;
}

/**
 * The exact intersection over union of two oriented boxes `[cx, cy, w, h, angle]` (or `{ cx, cy, w, h, angle }`),
 * their polygons intersected: the rotated IoU that OBB mAP is measured with here (Ultralytics' validator uses
 * probiou for it; the polygon IoU is the stricter, geometric measure). 0 for boxes without area.
 *
 * @example
 * ```ts
 * import { rotatedBoxIou } from '@yolokit/default-model';
 * rotatedBoxIou([0, 0, 4, 2, 0], [0, 0, 4, 2, Math.PI / 2]); // 4 / 12 = 0.333
 * ```
 */
export function rotatedBoxIou(a: OrientedBoxLike, b: OrientedBoxLike): number {
  const pa = corners(a);
  const pb = corners(b);
  const areaA = Math.abs(signedArea2(pa)) / 2;
  const areaB = Math.abs(signedArea2(pb)) / 2;
  if (!(areaA > 0) || !(areaB > 0)) return 0;
  const inter = Math.abs(signedArea2(clipConvex(pa, pb, Math.sign(signedArea2(pb))))) / 2;
  return inter / (areaA + areaB - inter);
}

function corners(box: OrientedBoxLike): Point[] {
  if (!Array.isArray(box)) return orientedBoxCorners(box as OrientedBox);
  const [cx, cy, w, h, angle] = box as readonly number[];
  return orientedBoxCorners({ cx, cy, w, h, angle });
}
