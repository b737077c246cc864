import { orientedBoxBounds } from '@yolokit/core';
import { checkSeed } from './seed.js';
import { CLASS_NAMES, type ShapeClassName } from './class-names.js';
import { insideRotated } from './generate-rotated-scene.js';
import { addNoise, contrastingColour, paintBackground, paintCoverage, resolveSize, sampleBackground } from './generate-scene.js';
import { Random } from './random.js';

/** Options of {@link generatePicture}. */
export interface PictureOptions {
  /**
   * Image size in pixels: one number for a square picture, or `{ width, height }`.
   * @defaultValue 64
   */
  readonly size?: number | { readonly width: number; readonly height: number };
}

/** A picture of one shape, labelled: what the shapes classifier tells apart. Also a raw RGB image. */
export interface Picture {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  readonly data: Uint8Array;
  /** Index into `CLASS_NAMES`: circle, square, triangle or ring. */
  readonly classId: number;
  readonly className: ShapeClassName;
}

/**
 * Generates a picture of a single shape (circle, square, triangle or ring; squares and triangles turned by any
 * angle) spanning 35–80% of the shorter side, somewhere inside the picture, on the default scenes' background
 * and noise. The same seed and options always give the same bytes.
 *
 * @example
 * ```ts
 * import { generatePicture } from '@yolokit/default-model';
 * const picture = generatePicture(5);
 * console.log(picture.className, picture.width, picture.height); // a shape, 64 64
 * ```
 */
export function generatePicture(seed: number, options: PictureOptions = {}): Picture {
  checkSeed(seed);
  const { width, height } = resolveSize(options.size ?? 64);
  const random = new Random(((seed >>> 0) ^ Math.floor(seed / 4294967296) ^ 0x27d4eb2f) >>> 0);
  const image = new Float32Array(width * height * 3);
  const background = paintBackground(image, width, height, random);
  const classId = random.int(0, CLASS_NAMES.length - 1);
  const side = Math.min(width, height) * random.uniform(0.35, 0.8);
  // As generateScene draws them: a triangle 0.8–1 of its base deep, a ring's hole 45–70% of its radius.
  const depth = classId === 2 ? side * random.uniform(0.8, 1) : side;
  const hole = random.uniform(0.45, 0.7);
  const angle = classId === 1 || classId === 2 ? random.uniform(0, 2 * Math.PI) : 0;
  // The shape's oriented box: long side along the angle (a triangle's depth along its apex).
  const box = { cx: 0, cy: 0, w: depth, h: side, angle };
  const [x1, y1, x2, y2] = orientedBoxBounds(box);
  box.cx = random.uniform(1 - x1, width - 1 - x2);
  box.cy = random.uniform(1 - y1, height - 1 - y2);
  const inside =
    classId === 1 || classId === 2
      ? insideRotated(classId === 1 ? 0 : 2, box)
      : (x: number, y: number) => {
          const d = (x - box.cx) ** 2 + (y - box.cy) ** 2;
          const r = side / 2;
          return d <= r * r && (classId === 0 || d >= (r * hole) ** 2);
        };
  const colour = contrastingColour(random, sampleBackground(background, width, height, box.cx, box.cy));
  paintCoverage(image, width, height, orientedBoxBounds(box), inside, colour);
  return { seed, width, height, channels: 3, data: addNoise(image, random), classId, className: CLASS_NAMES[classId] };
}
