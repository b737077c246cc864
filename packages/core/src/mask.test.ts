import { describe, expect, it } from 'vitest';
import { Mask } from './mask.js';
import { encodeRleCounts } from './mask-rle.js';

// A 3-wide, 4-high image (non-square, so row-major and column-major orders differ):
//   row 0: 1 0 0
//   row 1: 1 1 0
//   row 2: 0 1 0
//   row 3: 0 0 1
const W = 3;
const H = 4;
const BITMAP = Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1]);
// Column-major (pycocotools' order): column 0 = 1 1 0 0, column 1 = 0 1 1 0, column 2 = 0 0 0 1, so the pixel
// sequence is 1 1 0 0 0 1 1 0 0 0 0 1 and the runs (zeros first) are [0, 2, 3, 2, 4, 1]; compressed (see
// mask-rle.test.ts for the derivation) '0' '2' '3' (2-2=0) '0' (4-3=1) '1' (1-2=-1) 'O'.
const RLE = { size: [4, 3] as [number, number], counts: '02301O' };

describe('Mask on a hand-made 3x4 mask', () => {
  const mask = Mask.fromBitmap(BITMAP, W, H);

  it('reads back the bitmap, pixel by pixel and whole', () => {
    expect(mask.area).toBe(5);
    expect(Array.from(mask.toBitmap())).toEqual(Array.from(BITMAP));
    const set = [];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (mask.has(x, y)) set.push([x, y]);
    expect(set).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 3],
    ]);
    // Outside the image: not set, no throw.
    expect(mask.has(-1, 0)).toBe(false);
    expect(mask.has(3, 3)).toBe(false);
    expect(mask.has(0, 4)).toBe(false);
  });

  it('packs the bits row-major, most significant bit first', () => {
    // 100 110 010 001 → 1001 1001 | 0001 0000 (4 padding bits) → 0x99 0x10.
    expect(Array.from(mask.bits)).toEqual([0x99, 0x10]);
  });

  it('writes COCO RLE column-major with size [height, width], and reads it back', () => {
    expect(mask.toRle()).toEqual(RLE);
    const back = Mask.fromRle(RLE);
    expect([back.imageWidth, back.imageHeight]).toEqual([W, H]);
    expect(Array.from(back.toBitmap())).toEqual(Array.from(BITMAP));
  });

  it('round-trips through the wire form as bytes and as base64', () => {
    const bytes = mask.toWire('bytes');
    expect(bytes).toEqual({ imageWidth: 3, imageHeight: 4, rect: [0, 0, 3, 4], bits: Uint8Array.from([0x99, 0x10]) });
    // 0x99 0x10 = 100110 010001 0000(00) → 'm' 'R' 'A' '='.
    const base64 = mask.toWire('base64');
    expect(base64.bits).toBe('mRA=');
    // What JSON carriers do to it: the string form survives JSON unchanged.
    for (const wire of [bytes, JSON.parse(JSON.stringify(base64))]) {
      const back = Mask.fromWire(wire);
      expect(back.rect).toEqual([0, 0, 3, 4]);
      expect(Array.from(back.toBitmap())).toEqual(Array.from(BITMAP));
      expect(back.area).toBe(5);
    }
  });
});

describe('Mask cropped to a rectangle', () => {
  // A 40x30 image with a 3x3 square at x 10..12, y 5..7, stored as a 5x4 crop at (9, 4) with a zero border.
  const crop = new Uint8Array(5 * 4);
  for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) crop[y * 5 + x] = 1;
  const mask = Mask.fromBitmap(crop, 40, 30, [9, 4, 5, 4]);

  it('places the crop in the image', () => {
    expect(mask.area).toBe(9);
    expect(mask.has(10, 5)).toBe(true);
    expect(mask.has(12, 7)).toBe(true);
    expect(mask.has(9, 5)).toBe(false); // in the crop, not set
    expect(mask.has(13, 7)).toBe(false); // in the crop, not set
    expect(mask.has(20, 20)).toBe(false); // outside the crop
    const full = mask.toBitmap();
    expect(full.length).toBe(1200);
    const set = [];
    for (let i = 0; i < full.length; i++) if (full[i]) set.push([i % 40, Math.floor(i / 40)]);
    expect(set).toEqual([5, 6, 7].flatMap((y) => [10, 11, 12].map((x) => [x, y])));
    expect(Array.from(mask.toCropBitmap())).toEqual(Array.from(crop));
  });

  it('writes the RLE of the whole image, with counts that need several characters', () => {
    // Column-major index of (x, y) is x·30 + y. Runs: 10·30 + 5 = 305 zeros, 3 ones, 22 + 5 = 27 zeros, 3, 27, 3,
    // then 1200 - 305 - 9 - 54 = 832 zeros → [305, 3, 27, 3, 27, 3, 832].
    // 305 → 'a9'; 3 → '3'; 27 (bit 4 set: a second group) → 'k0'; 3-3, 27-27, 3-3 → '0' '0' '0'; 832-27 = 805 → 'Ui0'.
    const rle = mask.toRle();
    expect(rle).toEqual({ size: [30, 40], counts: 'a93k0000Ui0' });
    const back = Mask.fromRle(rle);
    expect(Array.from(back.toBitmap())).toEqual(Array.from(mask.toBitmap()));
  });

  it('keeps its rectangle through the wire form', () => {
    const back = Mask.fromWire(JSON.parse(JSON.stringify(mask.toWire('base64'))));
    expect(back.rect).toEqual([9, 4, 5, 4]);
    expect(back.imageWidth).toBe(40);
    expect(Array.from(back.toBitmap())).toEqual(Array.from(mask.toBitmap()));
  });

  it('gives polygons in image pixels', () => {
    // The square's outer contour from its top-left corner, counter-clockwise on screen (see mask-contour.test.ts).
    expect(mask.polygons()).toEqual([
      [
        [10, 5],
        [10, 7],
        [12, 7],
        [12, 5],
      ],
    ]);
    expect(mask.polygon()).toEqual(mask.polygons()[0]);
  });

  it('takes the first of equally long contours in OpenCV order as the polygon, as masks2segments does', () => {
    // Two 2x2 squares (4 points each); OpenCV lists the lower one first and numpy's argmax takes the first:
    // masks2segments(strategy='largest') on this mask gives the lower square (checked with OpenCV 4.6).
    const twoSquares = Mask.fromBitmap(Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]), 4, 5);
    expect(twoSquares.polygon()).toEqual([
      [2, 3],
      [2, 4],
      [3, 4],
      [3, 3],
    ]);
  });

  it('has an empty RLE, no polygon and zero area when nothing is set', () => {
    const empty = Mask.fromBitmap(new Uint8Array(6), 40, 30, [0, 0, 3, 2]);
    expect(empty.area).toBe(0);
    // One run of 1200 zeros: 1200 = 37·32 + 16 → c 16 (bit 4 set), x 37 → '`'; c 5, x 1 → 'U'; c 1 → '1'.
    expect(empty.toRle()).toEqual({ size: [30, 40], counts: '`U1' });
    expect(empty.polygon()).toEqual([]);
  });
});

describe('Mask RLE round trips', () => {
  it('holds for random masks in non-square images, with and without a set first pixel', () => {
    let seed = 3;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let trial = 0; trial < 50; trial++) {
      const w = 1 + Math.floor(random() * 30);
      const h = 1 + Math.floor(random() * 30);
      const density = random();
      const bitmap = Uint8Array.from({ length: w * h }, () => (random() < density ? 1 : 0));
      if (trial % 2 === 0) bitmap[0] = 1;
      const mask = Mask.fromBitmap(bitmap, w, h);
      const back = Mask.fromRle(mask.toRle());
      expect(Array.from(back.toBitmap())).toEqual(Array.from(bitmap));
      expect(back.area).toBe(bitmap.reduce((a, b) => a + b, 0));
    }
  });
});

describe('Mask.toRle against a naive column-major encoder', () => {
  function naive(bitmap: Uint8Array, width: number, height: number): string {
    const counts: number[] = [];
    let value = 0;
    let run = 0;
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) {
        const b = bitmap[y * width + x];
        if (b === value) run++;
        else {
          counts.push(run);
          value = b;
          run = 1;
        }
      }
    }
    counts.push(run);
    return encodeRleCounts(counts);
  }

  it('agrees on 300 random crops of random images (empty, full-height and edge-touching crops among them)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let t = 0; t < 300; t++) {
      const W = 1 + Math.floor(random() * 12);
      const H = 1 + Math.floor(random() * 12);
      const x = Math.floor(random() * W);
      const y = Math.floor(random() * H);
      const w = Math.floor(random() * (W - x + 1));
      const h = Math.floor(random() * (H - y + 1));
      const crop = Uint8Array.from({ length: w * h }, () => (random() < 0.5 ? 1 : 0));
      const mask = Mask.fromBitmap(crop, W, H, [x, y, w, h]);
      expect(mask.toRle().counts, `${W}x${H} crop ${[x, y, w, h]}`).toBe(naive(mask.toBitmap(), W, H));
    }
  });
});
