/**
 * Probabilistic IoU of oriented boxes (Llerena et al., https://arxiv.org/abs/2106.06072), as Ultralytics' rotated
 * NMS measures overlap. Followed: ultralytics 8.4, `utils/metrics.py` (`_get_covariance_matrix`,
 * `batch_probiou`), the same formula term by term, `eps` included, in double precision.
 */
import type { OrientedBox } from './oriented-box.js';

const EPS = 1e-7;

/**
 * The covariance of the uniform distribution over a box, `[a, b, c]` for `[[a, c], [c, b]]`: `w²/12` along the
 * width and `h²/12` across it, rotated by the angle. A quarter turn with the sides swapped gives the same
 * covariance, which is why probiou needs no regularised angles.
 */
export function boxCovariance(w: number, h: number, angle: number): [number, number, number] {
  const a = (w * w) / 12;
  const b = (h * h) / 12;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cos2 = cos * cos;
  const sin2 = sin * sin;
  return [a * cos2 + b * sin2, a * sin2 + b * cos2, (a - b) * cos * sin];
}

/**
 * Probabilistic IoU from the centres and covariances of two boxes: `1 − √(1 − e^(−B) + eps)` with B the
 * Bhattacharyya distance of the two Gaussians, clamped to [eps, 100]. 1 − 4.5e−4 for identical boxes (the eps
 * terms), about 0 for boxes far apart.
 * @internal Used by {@link probiou} and the rotated NMS, which computes covariances once per box.
 */
export function probiouOf(
  x1: number,
  y1: number,
  [a1, b1, c1]: readonly [number, number, number],
  x2: number,
  y2: number,
  [a2, b2, c2]: readonly [number, number, number],
): number {
  const a = a1 + a2;
  const b = b1 + b2;
  const c = c1 + c2;
  const det = a * b - c * c;
  const t1 = ((a * (y1 - y2) ** 2 + b * (x1 - x2) ** 2) / (det + EPS)) * 0.25;
  const t2 = ((c * (x2 - x1) * (y1 - y2)) / (det + EPS)) * 0.5;
  const t3 = Math.log(det / (4 * Math.sqrt(Math.max(0, a1 * b1 - c1 * c1) * Math.max(0, a2 * b2 - c2 * c2)) + EPS) + EPS) * 0.5;
  const bd = Math.min(100, Math.max(EPS, t1 + t2 + t3));
  return 1 - Math.sqrt(1 - Math.exp(-bd) + EPS);
}

/**
 * Probabilistic IoU of two oriented boxes, Ultralytics' `batch_probiou` for one pair. Symmetric, in (−1e−7, 1);
 * unlike the polygon IoU it is smooth in the angle and the same for either of a box's equivalent descriptions
 * (`w, h, θ` and `h, w, θ + π/2`).
 *
 * @example
 * ```ts
 * import { probiou } from '@yolokit/core';
 * probiou({ cx: 0, cy: 0, w: 4, h: 2, angle: 0 }, { cx: 0, cy: 0, w: 2, h: 4, angle: Math.PI / 2 }); // 0.99955
 * ```
 */
export function probiou(box1: OrientedBox, box2: OrientedBox): number {
  return probiouOf(box1.cx, box1.cy, boxCovariance(box1.w, box1.h, box1.angle), box2.cx, box2.cy, boxCovariance(box2.w, box2.h, box2.angle));
}
