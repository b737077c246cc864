import { Mask } from '@yolokit/core';
import type { DrawableDetection, DrawLayer, Drawer } from './drawer.js';
import { classColour, rgbOf } from './palette.js';

/** Opacity of a drawn mask: Ultralytics' `Annotator.masks(alpha=0.5)`. */
export const MASK_ALPHA = 0.5;

/** A detection's mask as a {@link Mask}, whether it came as one or as the JSON's RLE. */
function maskOf(detection: DrawableDetection): Mask | undefined {
  const mask = detection.mask;
  if (!mask) return undefined;
  // Told apart by shape, not instanceof: a Result from another copy of @yolokit/core (ESM beside CJS) draws too.
  return 'counts' in mask ? Mask.fromRle(mask) : mask;
}

/**
 * A mask as one raw RGBA layer: `colour` at `alpha` on its pixels, transparent elsewhere, covering only the
 * rows and columns that hold set pixels (a mask rebuilt from RLE spans the whole image, a decoded one its box).
 * `undefined` for an empty mask.
 */
export function maskLayer(mask: Mask, colour: string, alpha = MASK_ALPHA): DrawLayer | undefined {
  const [rx, ry, w, h] = mask.rect;
  const crop = mask.toCropBitmap();
  let left = w;
  let right = -1;
  let top = h;
  let bottom = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (!crop[row + x]) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  if (right < 0) return undefined;
  const width = right - left + 1;
  const height = bottom - top + 1;
  const [r, g, b] = rgbOf(colour);
  const a = Math.round(alpha * 255);
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = (top + y) * w + left;
    for (let x = 0; x < width; x++) {
      if (!crop[from + x]) continue;
      const i = (y * width + x) * 4;
      pixels[i] = r;
      pixels[i + 1] = g;
      pixels[i + 2] = b;
      pixels[i + 3] = a;
    }
  }
  return { input: pixels, left: rx + left, top: ry + top, raw: { width, height, channels: 4 } };
}

/**
 * Segmentation: each detection's mask filled in its class's colour at {@link MASK_ALPHA} over the picture,
 * as Ultralytics' `Annotator.masks` does; one raw layer per mask, the most confident drawn last (on top).
 */
export const maskDrawer: Drawer = Object.freeze<Drawer>({
  name: 'masks',
  layers(result) {
    const layers: DrawLayer[] = [];
    for (const detection of [...result.detections].reverse()) {
      const mask = maskOf(detection);
      const layer = mask && maskLayer(mask, classColour(detection.classId));
      if (layer) layers.push(layer);
    }
    return layers;
  },
});
