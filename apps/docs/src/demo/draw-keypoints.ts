/**
 * The demo's pose drawer: each person's keypoints as dots and the skeleton's limbs as lines, on a canvas the size
 * of the image, as Ultralytics' `Annotator.kpts` draws them (and the CLI's `--save`, with sharp in Node).
 */
import { KEYPOINT_VISIBILITY_THRESHOLD, type Keypoints } from '@yolokit/core';
import { classColour, KEYPOINT_COLOURS, LIMB_COLOURS } from './palette.js';

/** Radius of a keypoint's dot, pixels: Ultralytics' `Results.plot(kpt_radius=5)`. */
export const KEYPOINT_RADIUS = 5;

/** What the drawer reads of a result. */
export interface PoseDrawing {
  readonly width: number;
  readonly height: number;
  /** Most confident first. */
  readonly detections: readonly { readonly keypoints?: Keypoints | undefined }[];
  readonly skeleton?: readonly (readonly [number, number])[] | undefined;
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Draws every detection's keypoints and limbs onto `context` (a canvas of the image's size), least confident
 * person first, dots first and limbs over them, as Ultralytics does. COCO's 17 keypoints get Ultralytics' pose colours, other keypoint sets the class palette. A
 * keypoint under core's `KEYPOINT_VISIBILITY_THRESHOLD` (Ultralytics' drawing threshold), or at x or y = 0 (where models put what they did not
 * find), is left out with its limbs. Returns how many keypoints were dotted.
 */
export function drawKeypoints(context: Context2D, drawing: PoseDrawing, options: { readonly scale?: number } = {}): number {
  const { width, height } = drawing;
  const skeleton = drawing.skeleton ?? [];
  // Ultralytics' sizes are for the image at full size: on a canvas shown smaller (`scale` image pixels per
  // screen pixel), dots and limbs grow by as much, so that they look on screen as in a saved image.
  const scale = Math.max(1, options.scale ?? 1);
  // Ultralytics' line width, max(round((w + h) / 2 × 0.003), 2), halved for limbs.
  const limbWidth = Math.ceil(Math.max(Math.round(((width + height) / 2) * 0.003), 2) / 2) * scale;
  const radius = KEYPOINT_RADIUS * scale;
  const at = (v: number) => Math.trunc(v) + 0.5;
  let dotted = 0;
  context.save();
  context.lineWidth = limbWidth;
  context.lineCap = 'round';
  for (const { keypoints } of [...drawing.detections].reverse()) {
    if (!keypoints || keypoints.count === 0) continue;
    const coco = keypoints.count === 17;
    const { data, dims } = keypoints;
    const shown = Array.from({ length: keypoints.count }, (_, k) => {
      const x = data[k * dims];
      const y = data[k * dims + 1];
      const visible = dims < 3 || data[k * dims + 2] >= KEYPOINT_VISIBILITY_THRESHOLD;
      return visible && x > 0 && y > 0 && x % width !== 0 && y % height !== 0;
    });
    for (let k = 0; k < keypoints.count; k++) {
      if (!shown[k]) continue;
      context.fillStyle = coco ? KEYPOINT_COLOURS[k] : classColour(k);
      context.beginPath();
      context.arc(at(data[k * dims]), at(data[k * dims + 1]), radius, 0, 2 * Math.PI);
      context.fill();
      dotted += 1;
    }
    skeleton.forEach(([a, b], i) => {
      if (!shown[a] || !shown[b]) return;
      context.strokeStyle = coco ? (LIMB_COLOURS[i] ?? classColour(i)) : classColour(i);
      context.beginPath();
      context.moveTo(at(data[a * dims]), at(data[a * dims + 1]));
      context.lineTo(at(data[b * dims]), at(data[b * dims + 1]));
      context.stroke();
    });
  }
  context.restore();
  return dotted;
}
