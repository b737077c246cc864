import { type DrawableDetection, type Drawer, LABEL_FONT, labelStyleFor, labelTab, lineWidthFor } from './drawer.js';
import { classColour, textColour } from './palette.js';

/**
 * An SVG, `width × height`, with each oriented box drawn turned, as Ultralytics' `Annotator.box_label(...,
 * rotated=True)` draws it (ultralytics 8.4, `utils/plotting.py`): the polygon of its four corners in its class's
 * colour, line width as for upright boxes, and the label `name 0.91` on a tab at its first corner (truncated to
 * whole pixels, as OpenCV's are), above it when there is room. The most confident boxes are drawn last.
 * `undefined` when no detection has corners.
 */
export function orientedBoxSvg(width: number, height: number, detections: readonly DrawableDetection[]): string | undefined {
  const turned = detections.filter((d) => d.corners && d.corners.length === 4);
  if (turned.length === 0) return undefined;
  const lineWidth = lineWidthFor(width, height);
  const style = labelStyleFor(width, height);
  const outlines: string[] = [];
  const labels: string[] = [];
  for (const detection of [...turned].reverse()) {
    const corners = detection.corners ?? [];
    const colour = classColour(detection.classId);
    const points = corners.map(([x, y]) => `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`).join(' ');
    outlines.push(`<polygon points="${points}" stroke="${colour}"/>`);
    const [x, y] = [Math.trunc(corners[0][0]), Math.trunc(corners[0][1])];
    labels.push(labelTab(`${detection.className} ${detection.confidence.toFixed(2)}`, colour, textColour(colour), x, y, y, style, width));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g fill="none" stroke-width="${lineWidth}" stroke-linejoin="miter">${outlines.join('')}</g>` +
    `<g font-family="${LABEL_FONT}" font-size="${style.fontSize}">${labels.join('')}</g>` +
    '</svg>'
  );
}

/** Oriented-box models: the turned boxes and their labels ({@link orientedBoxSvg}) as one SVG layer. */
export const orientedBoxDrawer: Drawer = Object.freeze<Drawer>({
  name: 'oriented boxes',
  layers(result) {
    const svg = orientedBoxSvg(result.width, result.height, result.detections);
    return svg ? [{ input: Buffer.from(svg), left: 0, top: 0 }] : [];
  },
});
