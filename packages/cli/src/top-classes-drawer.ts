import type { ClassScore } from '@yolokit/core';
import { type Drawer, escapeXml, LABEL_FONT, labelStyleFor, textWidth } from './drawer.js';

/** The box behind the class list: Ultralytics' `box_color=(64, 64, 64, 128)`, gray at half opacity. */
export const TOP_CLASSES_BACKGROUND = 'rgba(64,64,64,0.5)';

/**
 * An SVG, `width × height`, listing a classifier's top classes as Ultralytics' `Results.plot` writes them
 * (ultralytics 8.4, `engine/results.py`): one line per class, `name 0.91`, most probable first, white on a
 * translucent gray box whose corner is `round(0.03 × height)` pixels in from the top-left. `undefined` when
 * there is nothing to list.
 */
export function topClassesSvg(width: number, height: number, top: readonly ClassScore[]): string | undefined {
  if (top.length === 0) return undefined;
  const style = labelStyleFor(width, height);
  const at = Math.round(height * 0.03);
  const lines = top.map((c) => `${c.className} ${c.confidence.toFixed(2)}`);
  const boxWidth = Math.max(...lines.map((line) => textWidth(line, style)));
  const lineHeight = style.fontSize + style.pad;
  const boxHeight = lines.length * lineHeight + style.pad;
  const text = lines
    .map((line, i) => `<text x="${at + style.pad}" y="${at + style.pad + i * lineHeight + style.fontSize * 0.82}">${escapeXml(line)}</text>`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect x="${at}" y="${at}" width="${boxWidth}" height="${boxHeight}" fill="${TOP_CLASSES_BACKGROUND}"/>` +
    `<g font-family="${LABEL_FONT}" font-size="${style.fontSize}" fill="#FFFFFF">${text}</g>` +
    '</svg>'
  );
}

/** Classify: the top five classes ({@link topClassesSvg}) as one SVG layer; none for the other tasks. */
export const topClassesDrawer: Drawer = Object.freeze<Drawer>({
  name: 'top classes',
  layers(result) {
    const svg = result.top5 ? topClassesSvg(result.width, result.height, result.top5) : undefined;
    return svg ? [{ input: Buffer.from(svg), left: 0, top: 0 }] : [];
  },
});
