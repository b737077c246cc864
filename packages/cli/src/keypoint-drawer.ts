import { KEYPOINT_VISIBILITY_THRESHOLD } from '@yolokit/core';
import { type DrawableDetection, type DrawableResult, type Drawer, lineWidthFor } from './drawer.js';
import { classColour, KEYPOINT_COLOURS, LIMB_COLOURS } from './palette.js';

/** Keypoints whose visibility is below this are neither dotted nor joined (core's, as Ultralytics draws). */
export { KEYPOINT_VISIBILITY_THRESHOLD };

/** Radius of a keypoint's dot, pixels: Ultralytics' `Results.plot(kpt_radius=5)`. */
export const KEYPOINT_RADIUS = 5;

/** A detection's keypoints as `[x, y, visibility?]` rows, whether they came as `Keypoints` or as JSON. */
function pointsOf(detection: DrawableDetection): readonly (readonly number[])[] | undefined {
  const keypoints = detection.keypoints;
  if (!keypoints) return undefined;
  return 'dims' in keypoints ? keypoints.toJSON() : keypoints;
}

/**
 * An SVG, `width × height`, with each detection's keypoints as Ultralytics' `Annotator.kpts` draws them: a dot
 * of {@link KEYPOINT_RADIUS} per keypoint, then the limbs of `skeleton` as lines `ceil(lw / 2)` wide, in COCO's
 * pose colours for 17 keypoints (the class palette otherwise). A keypoint with a visibility below
 * {@link KEYPOINT_VISIBILITY_THRESHOLD}, or at x or y = 0 (where a model puts keypoints it did not find), is
 * left out with its limbs. Coordinates are truncated to whole pixels, as OpenCV's are, and drawn at pixel centres.
 * `undefined` when there is nothing to draw.
 */
export function keypointSvg(result: DrawableResult): string | undefined {
  const { width, height } = result;
  const skeleton = result.skeleton ?? [];
  const limbWidth = Math.ceil(lineWidthFor(width, height) / 2);
  const parts: string[] = [];
  // As Ultralytics: the least confident person first, so the most confident is on top.
  for (const detection of [...result.detections].reverse()) {
    const points = pointsOf(detection);
    if (!points || points.length === 0) continue;
    const coco = points.length === 17;
    const shown = points.map(
      (p) => (p.length < 3 || p[2] >= KEYPOINT_VISIBILITY_THRESHOLD) && p[0] % width !== 0 && p[1] % height !== 0 && p[0] > 0 && p[1] > 0,
    );
    const at = (v: number) => Math.trunc(v) + 0.5;
    points.forEach((p, k) => {
      if (!shown[k]) return;
      const colour = coco ? KEYPOINT_COLOURS[k] : classColour(k);
      parts.push(`<circle cx="${at(p[0])}" cy="${at(p[1])}" r="${KEYPOINT_RADIUS}" fill="${colour}"/>`);
    });
    skeleton.forEach(([a, b], i) => {
      if (!shown[a] || !shown[b]) return;
      const colour = coco ? (LIMB_COLOURS[i] ?? classColour(i)) : classColour(i);
      parts.push(`<line x1="${at(points[a][0])}" y1="${at(points[a][1])}" x2="${at(points[b][0])}" y2="${at(points[b][1])}" stroke="${colour}"/>`);
    });
  }
  if (parts.length === 0) return undefined;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g stroke-width="${limbWidth}" stroke-linecap="round">${parts.join('')}</g>` +
    '</svg>'
  );
}

/** Pose: keypoints and skeletons ({@link keypointSvg}) as one SVG layer, drawn over the boxes. */
export const keypointDrawer: Drawer = Object.freeze<Drawer>({
  name: 'keypoints',
  layers(result) {
    const svg = keypointSvg(result);
    return svg ? [{ input: Buffer.from(svg), left: 0, top: 0 }] : [];
  },
});
