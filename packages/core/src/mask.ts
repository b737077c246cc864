import { type Contour, outerContours } from './mask-contour.js';
import { type CocoRle, decodeRleCounts, encodeRleCounts } from './mask-rle.js';

/**
 * A mask's binary form for crossing threads, processes and queues: the rectangle it was cropped to and its
 * bits, packed 8 to a byte, row-major, most significant bit first. `bits` is base64 where the carrier is
 * JSON (a queue job's return value).
 */
export interface MaskWire {
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** `[x, y, width, height]` of the crop, in image pixels. */
  readonly rect: [number, number, number, number];
  readonly bits: Uint8Array | string;
}

/**
 * A binary instance mask in original-image pixels, stored compactly: cropped to a rectangle (the detection's
 * box) and bit-packed, so a 1080p image with 20 masks costs kilobytes, not 40 MB. Full bitmaps, COCO RLE and
 * polygons are computed on request.
 */
export class Mask {
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** Left, top, width and height of the crop in image pixels; every set pixel is inside it. */
  readonly rect: readonly [number, number, number, number];
  /** The crop's pixels, 8 to a byte, row-major, most significant bit first. */
  readonly bits: Uint8Array;
  #area: number | undefined;

  /** @internal Build masks with {@link Mask.fromBitmap}, {@link Mask.fromRle} or {@link Mask.fromWire}. */
  constructor(imageWidth: number, imageHeight: number, rect: readonly [number, number, number, number], bits: Uint8Array) {
    this.imageWidth = imageWidth;
    this.imageHeight = imageHeight;
    this.rect = rect;
    this.bits = bits;
  }

  /**
   * A mask from a bitmap of `width`×`height` bytes (non-zero is set). With `rect`, the bitmap covers only that
   * rectangle of a `imageWidth`×`imageHeight` image.
   */
  static fromBitmap(
    bitmap: ArrayLike<number>,
    imageWidth: number,
    imageHeight: number,
    rect: readonly [number, number, number, number] = [0, 0, imageWidth, imageHeight],
  ): Mask {
    const [, , w, h] = rect;
    const bits = new Uint8Array(Math.ceil((w * h) / 8));
    for (let i = 0; i < w * h; i++) if (bitmap[i]) bits[i >> 3] |= 0x80 >> (i & 7);
    return new Mask(imageWidth, imageHeight, [rect[0], rect[1], w, h], bits);
  }

  /** A mask from COCO's compressed RLE (`{ size: [h, w], counts }`), as pycocotools writes it. */
  static fromRle(rle: CocoRle): Mask {
    const [height, width] = rle.size;
    const bitmap = new Uint8Array(width * height);
    const counts = decodeRleCounts(rle.counts);
    let p = 0;
    for (let k = 0; k < counts.length; k++) {
      if (k % 2 === 1) {
        for (let n = 0; n < counts[k]; n++) {
          const q = p + n;
          // Column-major position q is row q % height of column q / height.
          bitmap[(q % height) * width + Math.floor(q / height)] = 1;
        }
      }
      p += counts[k];
    }
    return Mask.fromBitmap(bitmap, width, height);
  }

  /** Rebuilds a mask from {@link toWire}'s form (bits as bytes or base64). */
  static fromWire(wire: MaskWire): Mask {
    const bits = typeof wire.bits === 'string' ? base64ToBytes(wire.bits) : wire.bits;
    return new Mask(wire.imageWidth, wire.imageHeight, [...wire.rect], bits);
  }

  /** The compact binary form; `base64` for JSON carriers. */
  toWire(encoding: 'bytes' | 'base64' = 'bytes'): MaskWire {
    return {
      imageWidth: this.imageWidth,
      imageHeight: this.imageHeight,
      rect: [...this.rect] as [number, number, number, number],
      bits: encoding === 'base64' ? bytesToBase64(this.bits) : this.bits,
    };
  }

  /** Whether image pixel (x, y) is set. */
  has(x: number, y: number): boolean {
    const [rx, ry, w, h] = this.rect;
    const cx = x - rx;
    const cy = y - ry;
    if (cx < 0 || cy < 0 || cx >= w || cy >= h) return false;
    const i = cy * w + cx;
    return (this.bits[i >> 3] & (0x80 >> (i & 7))) !== 0;
  }

  /** Number of set pixels. */
  get area(): number {
    if (this.#area === undefined) {
      let n = 0;
      for (let i = 0; i < this.bits.length; i++) {
        let b = this.bits[i];
        while (b) {
          b &= b - 1;
          n++;
        }
      }
      this.#area = n;
    }
    return this.#area;
  }

  /** The crop rectangle's pixels, `rect[3]` rows of `rect[2]` bytes, 1 where set. */
  toCropBitmap(): Uint8Array {
    const [, , w, h] = this.rect;
    const out = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) out[i] = (this.bits[i >> 3] >> (7 - (i & 7))) & 1;
    return out;
  }

  /** The whole image's pixels, `imageHeight` rows of `imageWidth` bytes, 1 where set. */
  toBitmap(): Uint8Array {
    const [rx, ry, w, h] = this.rect;
    const out = new Uint8Array(this.imageWidth * this.imageHeight);
    const crop = this.toCropBitmap();
    for (let y = 0; y < h; y++) out.set(crop.subarray(y * w, (y + 1) * w), (ry + y) * this.imageWidth + rx);
    return out;
  }

  /** COCO's compressed RLE of the whole image, column-major, as pycocotools' `encode` writes it. */
  toRle(): CocoRle {
    const H = this.imageHeight;
    const [rx, ry, w, h] = this.rect;
    const bits = this.bits;
    if (w === 0 || h === 0) return { size: [H, this.imageWidth], counts: encodeRleCounts([H * this.imageWidth]) };
    const counts: number[] = [];
    // Runs alternate 0, 1, 0, ...: `value` is the value of the run being counted. Column-major order walks
    // each crop column top to bottom; the rows above and below the crop, and the columns beside it, are 0.
    let value = 0;
    let run = rx * H + ry;
    for (let x = 0; x < w; x++) {
      if (x > 0 && h < H) {
        // The rows below the crop in the previous column and above it in this one.
        if (value === 0) run += H - h;
        else {
          counts.push(run);
          value = 0;
          run = H - h;
        }
      }
      for (let y = 0, i = x; y < h; y++, i += w) {
        const v = (bits[i >> 3] >> (7 - (i & 7))) & 1;
        if (v === value) run++;
        else {
          counts.push(run);
          value = v;
          run = 1;
        }
      }
    }
    const tail = (H - ry - h) + (this.imageWidth - rx - w) * H;
    if (value === 0) run += tail;
    else if (tail > 0) {
      counts.push(run);
      run = tail;
    }
    counts.push(run);
    return { size: [H, this.imageWidth], counts: encodeRleCounts(counts) };
  }

  /** The outer contours of the mask's parts, in image pixels (OpenCV's `findContours`, external, simple chains). */
  polygons(): Contour[] {
    const [rx, ry, w, h] = this.rect;
    return outerContours(this.toCropBitmap(), w, h).map((c) => c.map(([x, y]) => [x + rx, y + ry] as [number, number]));
  }

  /**
   * The largest outer contour (most points; the first of equals in {@link polygons}' order, as numpy's
   * `argmax`), as Ultralytics' `masks2segments(strategy='largest')`; empty for an empty mask.
   */
  polygon(): Contour {
    let best: Contour = [];
    for (const c of this.polygons()) if (c.length > best.length) best = c;
    return best;
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}

function base64ToBytes(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
