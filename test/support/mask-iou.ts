/**
 * Binary masks for mask mAP: polygon labels rasterised at image size, and the IoU of two masks, written
 * independently of @yolokit/core's `Mask` (the code under test), which converts with {@link regionFromMask}.
 *
 * Rasterisation rule (our choice, stated because COCO's own differs in detail): pixel (x, y) covers the
 * square [x, x+1) × [y, y+1) and is inside the polygon when its centre (x + 0.5, y + 0.5) is, by the even-odd
 * rule. Edges are taken half-open in y (an edge counts for a scan line at yc when exactly one end has
 * y ≤ yc), so a vertex on a scan line is counted once and horizontal edges never; a centre exactly on a
 * left edge is outside, on a right edge inside (crossings strictly left of the centre are counted). For area
 * this is what "the polygon rasterised at image size" should mean: a polygon whose edges run along pixel
 * borders covers exactly the pixels inside them. pycocotools' `frPoly` instead upsamples the polygon 5×,
 * rounds the vertices and walks its edges column by column; the two can differ only along the boundary, by
 * about a pixel there.
 *
 * Even-odd rather than non-zero winding: YOLO-seg labels join a COCO object's separate parts into one
 * polygon by connecting segments walked there and back (Ultralytics' `merge_multi_segment`), which both rules
 * leave empty; where an outline crosses itself, even-odd leaves the overlap empty, as a rasteriser that
 * toggles at each boundary crossing (pycocotools' RLE runs) does.
 */

/** A mask over a `imageWidth`×`imageHeight` image, stored as the bitmap of a rectangle holding every set pixel. */
export interface RegionMask {
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** `[x, y, width, height]` in image pixels. */
  readonly rect: readonly [number, number, number, number];
  /** `rect[3]` rows of `rect[2]` bytes, 1 where set. */
  readonly bitmap: Uint8Array;
  /** Number of set pixels. */
  readonly area: number;
}

function countSet(bitmap: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bitmap.length; i++) n += bitmap[i] ? 1 : 0;
  return n;
}

/** A region mask from a bitmap of `rect` (1 byte a pixel, non-zero set). */
export function regionMask(imageWidth: number, imageHeight: number, rect: readonly [number, number, number, number], bitmap: Uint8Array): RegionMask {
  if (bitmap.length !== rect[2] * rect[3]) throw new RangeError(`bitmap has ${bitmap.length} bytes, rect ${rect.join('x')} needs ${rect[2] * rect[3]}`);
  const normalised = bitmap.map((v) => (v ? 1 : 0));
  return { imageWidth, imageHeight, rect, bitmap: normalised, area: countSet(normalised) };
}

/** The region form of anything shaped like core's `Mask` (its crop rectangle and crop bitmap). */
export function regionFromMask(mask: {
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly rect: readonly [number, number, number, number];
  toCropBitmap(): Uint8Array;
}): RegionMask {
  return regionMask(mask.imageWidth, mask.imageHeight, [...mask.rect] as [number, number, number, number], mask.toCropBitmap());
}

/**
 * Rasterises a closed polygon (`[x, y]` vertices in image pixels, the last joined to the first) at image size,
 * by the pixel-centre even-odd rule of the file comment.
 */
export function rasterisePolygon(points: readonly (readonly [number, number])[], imageWidth: number, imageHeight: number): RegionMask {
  const empty = regionMask(imageWidth, imageHeight, [0, 0, 0, 0], new Uint8Array(0));
  if (points.length < 3) return empty;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new TypeError(`polygon vertex [${x}, ${y}] is not finite`);
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  // Pixels whose centre can be inside: x + 0.5 in [minX, maxX], clipped to the image.
  const x0 = Math.max(0, Math.ceil(minX - 0.5));
  const x1 = Math.min(imageWidth - 1, Math.floor(maxX - 0.5));
  const y0 = Math.max(0, Math.ceil(minY - 0.5));
  const y1 = Math.min(imageHeight - 1, Math.floor(maxY - 0.5));
  if (x1 < x0 || y1 < y0) return empty;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const bitmap = new Uint8Array(w * h);
  const crossings: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const yc = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < points.length; i++) {
      const [ax, ay] = points[i];
      const [bx, by] = points[(i + 1) % points.length];
      if (ay <= yc !== by <= yc) crossings.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
    }
    crossings.sort((a, b) => a - b);
    // Inside where an odd number of crossings lie strictly left of the centre: x_{2k} < x + 0.5 ≤ x_{2k+1}.
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(x0, Math.floor(crossings[k] - 0.5) + 1);
      const to = Math.min(x1, Math.floor(crossings[k + 1] - 0.5));
      for (let x = from; x <= to; x++) bitmap[(y - y0) * w + (x - x0)] = 1;
    }
  }
  return regionMask(imageWidth, imageHeight, [x0, y0, w, h], bitmap);
}

/** Intersection over union of two masks of the same image (pycocotools' `maskUtils.iou`, no crowd); 0 when both are empty. */
export function maskIou(a: RegionMask, b: RegionMask): number {
  if (a.imageWidth !== b.imageWidth || a.imageHeight !== b.imageHeight) {
    throw new RangeError(`masks of different images: ${a.imageWidth}x${a.imageHeight} and ${b.imageWidth}x${b.imageHeight}`);
  }
  const [ax, ay, aw, ah] = a.rect;
  const [bx, by, bw, bh] = b.rect;
  const left = Math.max(ax, bx);
  const top = Math.max(ay, by);
  const right = Math.min(ax + aw, bx + bw);
  const bottom = Math.min(ay + ah, by + bh);
  let intersection = 0;
  for (let y = top; y < bottom; y++) {
    const rowA = (y - ay) * aw - ax;
    const rowB = (y - by) * bw - bx;
    for (let x = left; x < right; x++) if (a.bitmap[rowA + x] && b.bitmap[rowB + x]) intersection++;
  }
  const union = a.area + b.area - intersection;
  return union > 0 ? intersection / union : 0;
}
