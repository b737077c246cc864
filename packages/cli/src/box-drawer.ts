import { type DrawableDetection, type Drawer, lineWidthFor } from './drawer.js';
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
  const fontSize = Math.max(Math.round(((width + height) / 2) * 0.018), 11);
  const pad = Math.max(Math.round(fontSize * 0.25), 2);
  const labelHeight = fontSize + 2 * pad;
  const boxes: string[] = [];
  const labels: string[] = [];
  for (const detection of [...detections].reverse()) {
    const colour = classColour(detection.classId);
    const [x1, y1, x2, y2] = detection.box.map((v) => Math.round(v * 10) / 10);
    boxes.push(`<rect x="${x1}" y="${y1}" width="${Math.max(x2 - x1, 0)}" height="${Math.max(y2 - y1, 0)}" stroke="${colour}"/>`);
    const text = `${detection.className} ${detection.confidence.toFixed(2)}`;
    // Text is measured by no one here: 0.6 em per character fits DejaVu Sans and the usual sans-serif fonts.
    const labelWidth = Math.ceil(text.length * fontSize * 0.6) + 2 * pad;
    const left = Math.max(0, Math.min(x1 - lineWidth / 2, width - labelWidth));
    const top = y1 - lineWidth / 2 - labelHeight >= 0 ? y1 - lineWidth / 2 - labelHeight : Math.max(0, y1);
    labels.push(
      `<rect x="${left}" y="${top}" width="${labelWidth}" height="${labelHeight}" fill="${colour}"/>` +
        `<text x="${left + pad}" y="${top + pad + fontSize * 0.82}" fill="${textColour(colour)}">${escapeXml(text)}</text>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g fill="none" stroke-width="${lineWidth}">${boxes.join('')}</g>` +
    `<g font-family="DejaVu Sans, Verdana, Arial, Helvetica, sans-serif" font-size="${fontSize}">${labels.join('')}</g>` +
    '</svg>'
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Every task's boxes and labels: one SVG layer ({@link overlaySvg}), none when there is no detection. */
export const boxDrawer: Drawer = Object.freeze<Drawer>({
  name: 'boxes',
  layers(result) {
    if (result.detections.length === 0) return [];
    return [{ input: Buffer.from(overlaySvg(result.width, result.height, result.detections)), left: 0, top: 0 }];
  },
});
