import { type DrawableDetection, type Drawer, LABEL_FONT, labelStyleFor, labelTab, lineWidthFor } from './drawer.js';
import { classColour, textColour } from './palette.js';

/**
 * An SVG, `width × height`, with each detection's box outlined in its class's colour and a label such as
 * `person 0.91` on a filled tab above the box (inside it when there is no room above). The most confident
 * detections are drawn last, so they stay on top.
 *
 * Sizes follow the image as Ultralytics' do: line width `max(round((w + h) / 2 × 0.003), 2)`.
 */
export function overlaySvg(width: number, height: number, detections: readonly Pick<DrawableDetection, 'box' | 'confidence' | 'classId' | 'className'>[]): string {
  const lineWidth = lineWidthFor(width, height);
  const style = labelStyleFor(width, height);
  const boxes: string[] = [];
  const labels: string[] = [];
  for (const detection of [...detections].reverse()) {
    const colour = classColour(detection.classId);
    const [x1, y1, x2, y2] = detection.box.map((v) => Math.round(v * 10) / 10);
    boxes.push(`<rect x="${x1}" y="${y1}" width="${Math.max(x2 - x1, 0)}" height="${Math.max(y2 - y1, 0)}" stroke="${colour}"/>`);
    const text = `${detection.className} ${detection.confidence.toFixed(2)}`;
    labels.push(labelTab(text, colour, textColour(colour), x1 - lineWidth / 2, y1 - lineWidth / 2, y1, style, width));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g fill="none" stroke-width="${lineWidth}">${boxes.join('')}</g>` +
    `<g font-family="${LABEL_FONT}" font-size="${style.fontSize}">${labels.join('')}</g>` +
    '</svg>'
  );
}

/**
 * Every task's boxes and labels: one SVG layer ({@link overlaySvg}), none when there is no detection. Oriented
 * boxes are left to the oriented-box drawer, which draws them turned.
 */
export const boxDrawer: Drawer = Object.freeze<Drawer>({
  name: 'boxes',
  layers(result) {
    const upright = result.detections.filter((d) => !d.corners);
    if (upright.length === 0) return [];
    return [{ input: Buffer.from(overlaySvg(result.width, result.height, upright)), left: 0, top: 0 }];
  },
});
