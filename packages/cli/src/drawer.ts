import type { ClassScore, CocoRle, Keypoints, Mask } from '@yolokit/core';

/**
 * A detection as the drawers read it: `@yolokit/core`'s `Detection` or its JSON (`DetectionJSON`), so that
 * a `Result` and `result.toJSON()` draw the same.
 */
export interface DrawableDetection {
  /** `[x1, y1, x2, y2]` in image pixels. */
  readonly box: readonly [number, number, number, number];
  readonly confidence: number;
  readonly classId: number;
  readonly className: string;
  /** Segmentation: a `Mask`, or its COCO RLE from the JSON. */
  readonly mask?: Mask | CocoRle | undefined;
  /** Pose: `Keypoints`, or their JSON `[[x, y, visibility], ...]`. */
  readonly keypoints?: Keypoints | readonly (readonly number[])[] | undefined;
  /** Oriented boxes: the four corners `[x, y]` in image pixels (`box` is their extent). */
  readonly corners?: readonly (readonly number[])[] | undefined;
}

/** A result as the drawers read it: `@yolokit/core`'s `Result` or its JSON. */
export interface DrawableResult {
  /** Image size in pixels (after EXIF orientation). */
  readonly width: number;
  readonly height: number;
  /** Most confident first. */
  readonly detections: readonly DrawableDetection[];
  /** Pose: the limbs, as pairs of keypoint indices. */
  readonly skeleton?: readonly (readonly [number, number])[] | undefined;
  /** Classify: the most probable classes, most probable first. */
  readonly top5?: readonly ClassScore[] | undefined;
}

/**
 * One image composited over the picture: an SVG the size of the image, or raw RGBA pixels (`raw`) placed at
 * `left`, `top`. The subset of sharp's `OverlayOptions` the drawers use.
 */
export interface DrawLayer {
  readonly input: Buffer;
  readonly left: number;
  readonly top: number;
  readonly raw?: { readonly width: number; readonly height: number; readonly channels: 4 };
}

/**
 * What one task adds to an annotated image (boxes and labels, masks, skeletons), as layers composited in order.
 * A drawer returns no layer for a result that has nothing of its kind, so every drawer runs on every result.
 */
export interface Drawer {
  /** For messages and tests: `boxes`, `masks`, `keypoints`. */
  readonly name: string;
  layers(result: DrawableResult): DrawLayer[];
}

/** Ultralytics' line width for an image: `max(round((w + h) / 2 × 0.003), 2)`. */
export function lineWidthFor(width: number, height: number): number {
  return Math.max(Math.round(((width + height) / 2) * 0.003), 2);
}

/** Sizes of label text for an image: font size, padding around the text and the tab's height, in pixels. */
export interface LabelStyle {
  readonly fontSize: number;
  readonly pad: number;
  readonly labelHeight: number;
}

/** The label sizes of an image `width × height`: text 1.8% of the mean side (at least 11 px). */
export function labelStyleFor(width: number, height: number): LabelStyle {
  const fontSize = Math.max(Math.round(((width + height) / 2) * 0.018), 11);
  const pad = Math.max(Math.round(fontSize * 0.25), 2);
  return { fontSize, pad, labelHeight: fontSize + 2 * pad };
}

/** The font of labels, as an SVG `font-family`. */
export const LABEL_FONT = 'DejaVu Sans, Verdana, Arial, Helvetica, sans-serif';

/** Width of `text` on a label, pixels: nothing measures text here; 0.6 em per character fits the usual sans-serif fonts. */
export function textWidth(text: string, style: LabelStyle): number {
  return Math.ceil(text.length * style.fontSize * 0.6) + 2 * style.pad;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A filled tab with `text` on it, as Ultralytics' `box_label` places it: its left edge at `x` (moved left so
 * that it stays inside an image `imageWidth` wide), sitting on `above` when there is room above the image's
 * top, else hanging from `inside`.
 */
export function labelTab(text: string, colour: string, textColour: string, x: number, above: number, inside: number, style: LabelStyle, imageWidth: number): string {
  const width = textWidth(text, style);
  const left = Math.max(0, Math.min(x, imageWidth - width));
  const top = above - style.labelHeight >= 0 ? above - style.labelHeight : Math.max(0, inside);
  return (
    `<rect x="${left}" y="${top}" width="${width}" height="${style.labelHeight}" fill="${colour}"/>` +
    `<text x="${left + style.pad}" y="${top + style.pad + style.fontSize * 0.82}" fill="${textColour}">${escapeXml(text)}</text>`
  );
}
