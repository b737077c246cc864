/**
 * The demo's segmentation drawer: each detection's mask as a translucent fill in its class's colour on a
 * canvas the size of the image, as Ultralytics' `Annotator.masks` blends them (the CLI's `--save` draws the same
 * with sharp in Node; this one draws with the browser's 2D canvas).
 */
import type { Mask } from '@yolokit/core';
import { classColour, rgbOf } from './palette.js';

/** Opacity of a mask: Ultralytics' `Annotator.masks(alpha=0.5)`. */
export const MASK_ALPHA = 0.5;

/** What the drawer reads of a detection. */
export interface MaskedDetection {
  readonly classId: number;
  readonly mask?: Mask | undefined;
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Draws the masks of `detections` (most confident first, as results list them) onto `context`, whose canvas
 * has the image's size, least confident first so that the most confident end up on top. Each mask is painted
 * 1:1 at its rectangle, so exactly its pixels are tinted. Returns how many masks were drawn.
 */
export function drawMasks(context: Context2D, detections: readonly MaskedDetection[]): number {
  const masked = detections.filter((d): d is MaskedDetection & { mask: Mask } => d.mask !== undefined && d.mask.rect[2] > 0 && d.mask.rect[3] > 0);
  if (masked.length === 0) return 0;
  const scratch = new OffscreenCanvas(Math.max(...masked.map((d) => d.mask.rect[2])), Math.max(...masked.map((d) => d.mask.rect[3])));
  const scratchContext = scratch.getContext('2d');
  if (!scratchContext) throw new Error('the browser gave no 2D canvas context');
  context.save();
  context.imageSmoothingEnabled = false;
  for (const { classId, mask } of [...masked].reverse()) {
    const [x, y, width, height] = mask.rect;
    scratchContext.putImageData(tint(mask.toCropBitmap(), width, height, classColour(classId)), 0, 0);
    context.drawImage(scratch, 0, 0, width, height, x, y, width, height);
  }
  context.restore();
  return masked.length;
}

/** RGBA pixels: `colour` at {@link MASK_ALPHA} where `bitmap` is set, transparent elsewhere. */
function tint(bitmap: Uint8Array, width: number, height: number, colour: string): ImageData {
  const pixels = new ImageData(width, height);
  const [r, g, b] = rgbOf(colour);
  const a = Math.round(MASK_ALPHA * 255);
  const data = pixels.data;
  for (let i = 0, o = 0; i < bitmap.length; i++, o += 4) {
    if (!bitmap[i]) continue;
    data[o] = r;
    data[o + 1] = g;
    data[o + 2] = b;
    data[o + 3] = a;
  }
  return pixels;
}
