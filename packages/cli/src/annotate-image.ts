import { writeFile } from 'node:fs/promises';
import type { DetectionJSON } from '@yolokit/core';

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;

/** sharp is loaded on first use: a run without `--save` never pays for it here. */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((module) => ((module as { default?: Sharp }).default ?? module) as Sharp);
  return sharpModule;
}

/** Ultralytics' 20-colour palette (`ultralytics.utils.plotting.Colors`), so that classes look as they do there. */
export const PALETTE: readonly string[] = Object.freeze([
  '#042AFF', '#0BDBEB', '#F3F3F3', '#00DFB7', '#111F68', '#FF6FDD', '#FF444F', '#CCED00', '#00F344', '#BD00FF',
  '#00B4FF', '#DD00BA', '#00FFFF', '#26C000', '#01FFB3', '#7D24FF', '#7B0068', '#FF1B6C', '#FC6D2F', '#A2FF0B',
]);

/** The colour of a class: the same class always gets the same colour. */
export function classColour(classId: number): string {
  return PALETTE[((classId % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Black or white, whichever reads better on `background`. */
function textColour(background: string): string {
  const value = Number.parseInt(background.slice(1), 16);
  const [r, g, b] = [(value >> 16) & 255, (value >> 8) & 255, value & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000000' : '#FFFFFF';
}

/** The detections an annotation needs: a box in image pixels, a class, a score. */
export type DrawableDetection = Pick<DetectionJSON, 'box' | 'confidence' | 'classId' | 'className'>;

/**
 * An SVG, `width × height`, with each detection's box outlined in its class's colour and a label such as
 * `person 0.91` on a filled tab above the box (inside it when there is no room above). The most confident
 * detections are drawn last, so they stay on top.
 *
 * Sizes follow the image as Ultralytics' do: line width `max(round((w + h) / 2 × 0.003), 2)`.
 */
export function overlaySvg(width: number, height: number, detections: readonly DrawableDetection[]): string {
  const lineWidth = Math.max(Math.round(((width + height) / 2) * 0.003), 2);
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

/** Formats sharp can write, by the format it reports for an input. */
const WRITABLE: Readonly<Record<string, 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif'>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  // sharp reports AVIF files as `heif`; its prebuilt libvips writes AVIF.
  heif: 'avif',
};

/**
 * Draws `detections` on the image at `source` and writes it to `output` in the source's own format (EXIF
 * orientation applied, as the boxes are in oriented pixels). A format sharp cannot write (SVG, PDF, ...) is
 * written as PNG with `.png` appended to the name. Returns the path written.
 *
 * @example
 * ```ts
 * import { annotateImage } from '@yolokit/cli';
 * import type { Result } from '@yolokit/core';
 * declare const result: Result;
 * await annotateImage('bus.jpg', result.toJSON(), 'annotated/bus.jpg');
 * ```
 */
export async function annotateImage(
  source: string,
  result: { readonly width: number; readonly height: number; readonly detections: readonly DrawableDetection[] },
  output: string,
): Promise<string> {
  const sharp = await loadSharp();
  const { format: inputFormat } = await sharp(source).metadata();
  const format = WRITABLE[inputFormat ?? ''] ?? 'png';
  const path = WRITABLE[inputFormat ?? ''] ? output : `${output}.png`;
  const overlay = Buffer.from(overlaySvg(result.width, result.height, result.detections));
  const bytes = await sharp(source, { failOn: 'error' })
    .rotate()
    .composite([{ input: overlay, top: 0, left: 0 }])
    .toFormat(format, format === 'jpeg' ? { quality: 90 } : {})
    .toBuffer();
  await writeFile(path, bytes);
  return path;
}
