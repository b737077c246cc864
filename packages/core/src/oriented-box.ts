/**
 * Oriented (rotated) boxes as Ultralytics' OBB models give them: `xywhr`, a centre, two sides and a rotation in
 * radians. Followed: ultralytics 8.4, `utils/ops.py` (`regularize_rboxes`, `xywhr2xyxyxyxy`,
 * `scale_boxes(xywh=True)`) and `engine/results.py` (`OBB.xyxy`).
 */
import type { LetterboxGeometry } from './letterbox.js';

/**
 * A rotated box in pixels: centre (`cx`, `cy`), width `w` along the direction `angle` (radians, clockwise on
 * screen since y points down) and height `h` across it. Results carry it regularised: `angle` in `[0, π/2)`.
 */
export interface OrientedBox {
  readonly cx: number;
  readonly cy: number;
  readonly w: number;
  readonly h: number;
  readonly angle: number;
}

/** The four corners of an oriented box, `[x, y]` each, in Ultralytics' order (see {@link orientedBoxCorners}). */
export type Corners = [[number, number], [number, number], [number, number], [number, number]];

/** Python's (and torch's) `%` on floats: the remainder takes the divisor's sign, so it lies in `[0, n)`. */
function floorMod(value: number, n: number): number {
  const r = value - Math.floor(value / n) * n;
  // A tiny negative value rounds up to n itself; it is 0 (the same angle).
  return r >= n ? 0 : r;
}

/**
 * The same box with its angle in `[0, π/2)`, as `regularize_rboxes` does: the sides swap when the angle, taken
 * modulo π, is in `[π/2, π)` (a quarter turn exchanges width and height), and the angle is taken modulo π/2.
 * The box covers the same pixels before and after.
 *
 * @example
 * ```ts
 * import { regularizeOrientedBox } from '@yolokit/core';
 * regularizeOrientedBox({ cx: 10, cy: 10, w: 8, h: 2, angle: 2 }); // { cx: 10, cy: 10, w: 2, h: 8, angle: 2 - π/2 }
 * ```
 */
export function regularizeOrientedBox(box: OrientedBox): OrientedBox {
  const swap = floorMod(box.angle, Math.PI) >= Math.PI / 2;
  return {
    cx: box.cx,
    cy: box.cy,
    w: swap ? box.h : box.w,
    h: swap ? box.w : box.h,
    angle: floorMod(box.angle, Math.PI / 2),
  };
}

/**
 * The corners of an oriented box, as `xywhr2xyxyxyxy` lists them: with `v1 = (w/2)(cos, sin)` along the width
 * and `v2 = (h/2)(−sin, cos)` across it, `c+v1+v2`, `c+v1−v2`, `c−v1−v2`, `c−v1+v2`.
 */
export function orientedBoxCorners(box: OrientedBox): Corners {
  const cos = Math.cos(box.angle);
  const sin = Math.sin(box.angle);
  const v1x = (box.w / 2) * cos;
  const v1y = (box.w / 2) * sin;
  const v2x = (-box.h / 2) * sin;
  const v2y = (box.h / 2) * cos;
  return [
    [box.cx + v1x + v2x, box.cy + v1y + v2y],
    [box.cx + v1x - v2x, box.cy + v1y - v2y],
    [box.cx - v1x - v2x, box.cy - v1y - v2y],
    [box.cx - v1x + v2x, box.cy - v1y + v2y],
  ];
}

/**
 * The axis-aligned extent of the corners `[x1, y1, x2, y2]`, as Ultralytics' `OBB.xyxy`: not clipped to the
 * image (a rotated box near the border may reach past it; so may this).
 */
export function orientedBoxBounds(box: OrientedBox): [number, number, number, number] {
  const corners = orientedBoxCorners(box);
  let [x1, y1] = corners[0];
  let [x2, y2] = corners[0];
  for (const [x, y] of corners) {
    x1 = Math.min(x1, x);
    y1 = Math.min(y1, y);
    x2 = Math.max(x2, x);
    y2 = Math.max(y2, y);
  }
  return [x1, y1, x2, y2];
}

/**
 * Maps an oriented box from model-input pixels to the image, as `scale_boxes(..., xywh=True)` does: the
 * padding off the centre, every length divided by the scale, the angle kept. Not clipped (Ultralytics 8.3+
 * returns `xywh` boxes unclipped: clipping a centre and sides separately would distort the box).
 */
export function unletterboxOrientedBox(geometry: LetterboxGeometry, box: OrientedBox): OrientedBox {
  const { left, top, scale } = geometry;
  return { cx: (box.cx - left) / scale, cy: (box.cy - top) / scale, w: box.w / scale, h: box.h / scale, angle: box.angle };
}
