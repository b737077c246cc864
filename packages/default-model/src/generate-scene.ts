import { InvalidOptionError } from '@yolokit/core';
import { integerInRange } from '@yolokit/core/internal';
import { checkSeed } from './seed.js';
import { CLASS_NAMES, type ShapeClassName } from './class-names.js';
import { Random } from './random.js';

/** Options of {@link generateScene}. */
export interface SceneOptions {
  /**
   * Image size in pixels: one number for a square image, or `{ width, height }`.
   * @defaultValue 160
   */
  readonly size?: number | { readonly width: number; readonly height: number };
  /**
   * Fewest objects to place.
   * @defaultValue 1
   */
  readonly minObjects?: number;
  /**
   * Most objects to place. A scene may hold fewer when no free place is found for an object.
   * @defaultValue 6
   */
  readonly maxObjects?: number;
}

/** One object of a scene, with its exact ground truth. */
export interface SceneObject {
  /** Index into `CLASS_NAMES`. */
  readonly classId: number;
  readonly className: ShapeClassName;
  /** The shape's exact bounding box `[x1, y1, x2, y2]` in pixels (pixel `i` spans `[i, i + 1)`). */
  readonly box: readonly [number, number, number, number];
}

/**
 * A generated image with its ground truth. It is also a raw RGB image (`data`, `width`, `height`,
 * `channels`), so it can be passed straight to `model.predict(scene)`.
 */
export interface Scene {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  /** RGB bytes, row-major, `height × width × 3`. */
  readonly data: Uint8Array;
  /** The objects, in drawing order (a later object may cover part of an earlier one). */
  readonly objects: readonly SceneObject[];
}

/** Object sizes, as fractions of the image's shorter side. */
const MIN_SIZE = 0.08;
const MAX_SIZE = 0.36;
/** Share of objects allowed to overlap an earlier one, and by how much of the smaller box. */
const OVERLAP_CHANCE = 0.2;
const MAX_OVERLAP = 0.3;
/** Supersampling per pixel side for anti-aliased edges. */
export const SUBSAMPLES = 4;

/** An RGB colour, 0..255 per channel. */
export type Rgb = [number, number, number];

/** A shape to paint (scenes, moving scenes). @internal */
export interface Shape {
  classId: number;
  box: [number, number, number, number];
  /** Ring: inner radius over outer radius. */
  hole: number;
  /** Triangle: where the apex points. */
  apex: 'up' | 'down' | 'left' | 'right';
  colour: Rgb;
}

/**
 * Generates a synthetic scene: a random background (a two-colour gradient with noise) and objects of the
 * classes circle, square, triangle and ring, of random colour, size and position, overlapping at times.
 * The same seed and options always give byte-identical pixels and the same boxes.
 *
 * @example
 * ```ts
 * import { generateScene } from '@yolokit/default-model';
 * const scene = generateScene(42, { size: 160, maxObjects: 4 });
 * for (const object of scene.objects) console.log(object.className, object.box);
 * ```
 */
export function generateScene(seed: number, options: SceneOptions = {}): Scene {
  checkSeed(seed);
  const { width, height } = resolveSize(options.size);
  const { minObjects, maxObjects } = resolveObjectCounts(options, 6);

  // Seeds beyond 32 bits keep their high bits.
  const random = new Random((seed >>> 0) ^ Math.floor(seed / 4294967296));
  const image = new Float32Array(width * height * 3);
  const background = paintBackground(image, width, height, random);

  const shapes: Shape[] = [];
  const count = random.int(minObjects, maxObjects);
  const side = Math.min(width, height);
  for (let n = 0; n < count; n++) {
    const classId = random.int(0, CLASS_NAMES.length - 1);
    const size = side * random.uniform(MIN_SIZE, MAX_SIZE);
    const apex = (['up', 'down', 'left', 'right'] as const)[random.int(0, 3)];
    // A triangle is a little shorter than wide along its apex direction.
    const depth = classId === 2 ? size * random.uniform(0.8, 1) : size;
    const [bw, bh] = classId === 2 && (apex === 'left' || apex === 'right') ? [depth, size] : [size, classId === 2 ? depth : size];
    const mayOverlap = random.chance(OVERLAP_CHANCE);
    const hole = random.uniform(0.45, 0.7);
    let placed: [number, number, number, number] | undefined;
    for (let attempt = 0; attempt < 30 && !placed; attempt++) {
      const x1 = random.uniform(1, width - 1 - bw);
      const y1 = random.uniform(1, height - 1 - bh);
      const box: [number, number, number, number] = [x1, y1, x1 + bw, y1 + bh];
      if (shapes.every((other) => fits(box, other.box, mayOverlap))) placed = box;
    }
    if (!placed) continue;
    const centre = sampleBackground(background, width, height, (placed[0] + placed[2]) / 2, (placed[1] + placed[3]) / 2);
    shapes.push({ classId, box: placed, hole, apex, colour: contrastingColour(random, centre) });
  }

  for (const shape of shapes) paintShape(image, width, height, shape);
  const data = addNoise(image, random);
  return {
    seed,
    width,
    height,
    channels: 3,
    data,
    objects: shapes.map((s) => ({ classId: s.classId, className: CLASS_NAMES[s.classId], box: s.box })),
  };
}

/** The float image with uniform noise of a random strength (up to ±10 levels), as bytes. @internal */
export function addNoise(image: Float32Array, random: Random): Uint8Array {
  const noise = random.uniform(0, 10);
  const data = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const value = image[i] + noise * (2 * random.next() - 1);
    data[i] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
  }
  return data;
}

/** A scene's `minObjects` (default 1) and `maxObjects` (default `maxDefault`), validated. @internal */
export function resolveObjectCounts(options: SceneOptions, maxDefault: number): { minObjects: number; maxObjects: number } {
  const minObjects = options.minObjects ?? 1;
  const maxObjects = options.maxObjects ?? maxDefault;
  for (const [name, value] of [
    ['options.minObjects', minObjects],
    ['options.maxObjects', maxObjects],
  ] as const) {
    integerInRange(value, name, 0, 50);
  }
  if (maxObjects < minObjects) {
    throw new InvalidOptionError('options.maxObjects', `options.maxObjects (${maxObjects}) must be at least options.minObjects (${minObjects})`);
  }
  return { minObjects, maxObjects };
}

/** The `{ width, height }` of a scene's `size` option, validated. @internal */
export function resolveSize(size: SceneOptions['size']): { width: number; height: number } {
  const pair = size === undefined ? { width: 160, height: 160 } : typeof size === 'number' ? { width: size, height: size } : size;
  for (const key of ['width', 'height'] as const) {
    const value = pair?.[key];
    if (!Number.isInteger(value) || value < 32 || value > 4096) {
      throw new InvalidOptionError('options.size', `options.size must be an integer from 32 to 4096 or { width, height } of them, got ${JSON.stringify(size)}`);
    }
  }
  return { width: pair.width, height: pair.height };
}

/** Whether `box` may sit beside `other`: apart (with a pixel of gap), or overlapping a little when allowed. */
function fits(box: readonly number[], other: readonly number[], mayOverlap: boolean): boolean {
  const iw = Math.min(box[2], other[2]) - Math.max(box[0], other[0]);
  const ih = Math.min(box[3], other[3]) - Math.max(box[1], other[1]);
  if (!mayOverlap) return iw < -1 || ih < -1;
  if (iw <= 0 || ih <= 0) return true;
  const smaller = Math.min((box[2] - box[0]) * (box[3] - box[1]), (other[2] - other[0]) * (other[3] - other[1]));
  return (iw * ih) / smaller <= MAX_OVERLAP;
}

/** A scene's background: a two-colour linear gradient. @internal */
export interface Background {
  from: Rgb;
  to: Rgb;
  gx: number;
  gy: number;
}

/** Paints the gradient background into `image` (float RGB) and returns it. @internal */
export function paintBackground(image: Float32Array, width: number, height: number, random: Random): Background {
  const from: Rgb = [random.uniform(0, 255), random.uniform(0, 255), random.uniform(0, 255)];
  const to = from.map((c) => clamp(c + random.uniform(-70, 70), 0, 255)) as Rgb;
  const background = { from, to, gx: random.uniform(-1, 1), gy: random.uniform(-1, 1) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = gradientAt(background, width, height, x + 0.5, y + 0.5);
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) image[i + c] = from[c] + (to[c] - from[c]) * t;
    }
  }
  return background;
}

function gradientAt(background: Background, width: number, height: number, x: number, y: number): number {
  return clamp(0.5 + background.gx * (x / width - 0.5) + background.gy * (y / height - 0.5), 0, 1);
}

/** The background's colour at a point. @internal */
export function sampleBackground(background: Background, width: number, height: number, x: number, y: number): Rgb {
  const t = gradientAt(background, width, height, x, y);
  return background.from.map((c, i) => c + (background.to[i] - c) * t) as Rgb;
}

/** A random colour far enough from the background behind the object to be seen. @internal */
export function contrastingColour(random: Random, behind: Rgb): Rgb {
  let colour: Rgb = [0, 0, 0];
  for (let attempt = 0; attempt < 50; attempt++) {
    colour = [random.uniform(0, 255), random.uniform(0, 255), random.uniform(0, 255)];
    const d = Math.sqrt((colour[0] - behind[0]) ** 2 + (colour[1] - behind[1]) ** 2 + (colour[2] - behind[2]) ** 2);
    if (d >= 100) return colour;
  }
  return behind.map((c) => (c < 128 ? 255 : 0)) as Rgb;
}

/** Paints one shape, anti-aliased. @internal */
export function paintShape(image: Float32Array, width: number, height: number, shape: Shape): void {
  paintCoverage(image, width, height, shape.box, insideTest(shape), shape.colour);
}

/**
 * Blends `colour` into the pixels of `bounds` by the share of each pixel's subsamples `inside` holds (anti-aliased
 * edges). @internal
 */
export function paintCoverage(
  image: Float32Array,
  width: number,
  height: number,
  bounds: readonly [number, number, number, number],
  inside: (x: number, y: number) => boolean,
  colour: Rgb,
): void {
  const [x1, y1, x2, y2] = bounds;
  const step = 1 / SUBSAMPLES;
  const total = SUBSAMPLES * SUBSAMPLES;
  for (let py = Math.max(0, Math.floor(y1)); py < Math.min(height, Math.ceil(y2)); py++) {
    for (let px = Math.max(0, Math.floor(x1)); px < Math.min(width, Math.ceil(x2)); px++) {
      let hits = 0;
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          if (inside(px + (sx + 0.5) * step, py + (sy + 0.5) * step)) hits++;
        }
      }
      if (hits === 0) continue;
      const alpha = hits / total;
      const i = (py * width + px) * 3;
      for (let c = 0; c < 3; c++) image[i + c] += (colour[c] - image[i + c]) * alpha;
    }
  }
}

function insideTest(shape: Shape): (x: number, y: number) => boolean {
  const [x1, y1, x2, y2] = shape.box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const r = (x2 - x1) / 2;
  switch (shape.classId) {
    case 0:
      return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    case 1:
      return (x, y) => x >= x1 && x <= x2 && y >= y1 && y <= y2;
    case 2: {
      const [a, b, c] = triangleVertices(shape);
      return (x, y) => {
        const d1 = edge(a, b, x, y);
        const d2 = edge(b, c, x, y);
        const d3 = edge(c, a, x, y);
        return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
      };
    }
    default: {
      const inner = r * shape.hole;
      return (x, y) => {
        const d = (x - cx) ** 2 + (y - cy) ** 2;
        return d <= r * r && d >= inner * inner;
      };
    }
  }
}

type Point = readonly [number, number];

function triangleVertices(shape: Shape): [Point, Point, Point] {
  const [x1, y1, x2, y2] = shape.box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  switch (shape.apex) {
    case 'up':
      return [[cx, y1], [x2, y2], [x1, y2]];
    case 'down':
      return [[cx, y2], [x1, y1], [x2, y1]];
    case 'left':
      return [[x1, cy], [x2, y1], [x2, y2]];
    default:
      return [[x2, cy], [x1, y2], [x1, y1]];
  }
}

function edge(a: Point, b: Point, x: number, y: number): number {
  return (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
