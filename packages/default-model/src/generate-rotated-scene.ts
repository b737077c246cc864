import { type OrientedBox, orientedBoxBounds, regularizeOrientedBox } from '@yolokit/core';
import { checkSeed } from './seed.js';
import { addNoise, contrastingColour, paintBackground, paintCoverage, resolveObjectCounts, resolveSize, sampleBackground, type SceneOptions } from './generate-scene.js';
import { Random } from './random.js';

/** The oriented-box model's classes, in class-id order: elongated shapes, whose orientation is plain to see. */
export const OBB_CLASS_NAMES = ['rectangle', 'ellipse', 'triangle'] as const;

/** One of {@link OBB_CLASS_NAMES}. */
export type RotatedShapeClassName = (typeof OBB_CLASS_NAMES)[number];

/** The oriented-box model's class names by id. */
export const OBB_MODEL_NAMES: Readonly<Record<number, RotatedShapeClassName>> = Object.freeze(
  Object.fromEntries(OBB_CLASS_NAMES.map((name, id) => [id, name])) as Record<number, RotatedShapeClassName>,
);

/** One object of a rotated scene, with its exact ground truth. */
export interface RotatedSceneObject {
  /** Index into {@link OBB_CLASS_NAMES}. */
  readonly classId: number;
  readonly className: RotatedShapeClassName;
  /**
   * The shape's exact oriented box in pixels, regularised as Ultralytics' results are (`angle` in `[0, π/2)`):
   * a rectangle's own sides, an ellipse's axes, a triangle's base and height.
   */
  readonly obb: OrientedBox;
  /** The oriented box's extent `[x1, y1, x2, y2]`. */
  readonly box: readonly [number, number, number, number];
}

/** A generated image of rotated shapes with its ground truth; also a raw RGB image for `model.predict`. */
export interface RotatedScene {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  readonly data: Uint8Array;
  readonly objects: readonly RotatedSceneObject[];
}

/** Long sides as fractions of the shorter image side, and the long side over the short one. */
const MIN_LENGTH = 0.15;
const MAX_LENGTH = 0.45;
const MIN_ASPECT = 1.5;
const MAX_ASPECT = 3;

/**
 * Generates a scene of rotated shapes (rectangles, ellipses, isosceles triangles, each 1.5 to 3 times longer
 * than wide, turned by any angle) on the default scenes' background, with each shape's exact oriented box. Shapes
 * do not overlap (their extents are a pixel apart at least). The same seed and options always give the same
 * bytes and boxes.
 *
 * @example
 * ```ts
 * import { generateRotatedScene } from '@yolokit/default-model';
 * const scene = generateRotatedScene(3);
 * for (const o of scene.objects) console.log(o.className, o.obb.angle.toFixed(2));
 * ```
 */
export function generateRotatedScene(seed: number, options: SceneOptions = {}): RotatedScene {
  checkSeed(seed);
  const { width, height } = resolveSize(options.size);
  const { minObjects, maxObjects } = resolveObjectCounts(options, 5);
  // A different stream from generateScene's for the same seed.
  const random = new Random(((seed >>> 0) ^ Math.floor(seed / 4294967296) ^ 0x5bd1e995) >>> 0);
  const image = new Float32Array(width * height * 3);
  const background = paintBackground(image, width, height, random);
  const side = Math.min(width, height);
  const objects: RotatedSceneObject[] = [];
  const count = random.int(minObjects, maxObjects);
  for (let n = 0; n < count; n++) {
    const classId = random.int(0, OBB_CLASS_NAMES.length - 1);
    const length = side * random.uniform(MIN_LENGTH, MAX_LENGTH);
    const breadth = length / random.uniform(MIN_ASPECT, MAX_ASPECT);
    // Triangles point either way along their axis: a full turn of angles.
    const angle = random.uniform(0, classId === 2 ? 2 * Math.PI : Math.PI);
    let placed: OrientedBox | undefined;
    for (let attempt = 0; attempt < 30 && !placed; attempt++) {
      const box = { cx: random.uniform(0, width), cy: random.uniform(0, height), w: length, h: breadth, angle };
      const [x1, y1, x2, y2] = orientedBoxBounds(box);
      if (x1 < 1 || y1 < 1 || x2 > width - 1 || y2 > height - 1) continue;
      if (objects.every((o) => apart([x1, y1, x2, y2], o.box))) placed = box;
    }
    if (!placed) continue;
    const colour = contrastingColour(random, sampleBackground(background, width, height, placed.cx, placed.cy));
    paintCoverage(image, width, height, orientedBoxBounds(placed), insideRotated(classId, placed), colour);
    objects.push({ classId, className: OBB_CLASS_NAMES[classId], obb: regularizeOrientedBox(placed), box: orientedBoxBounds(placed) });
  }
  return { seed, width, height, channels: 3, data: addNoise(image, random), objects };
}

function apart(a: readonly number[], b: readonly number[]): boolean {
  return Math.min(a[2], b[2]) - Math.max(a[0], b[0]) < -1 || Math.min(a[3], b[3]) - Math.max(a[1], b[1]) < -1;
}

/**
 * Whether a point is inside a shape drawn in an oriented box (`w` along `angle`): a rectangle filling it, the
 * ellipse on its axes, or the isosceles triangle with its base on the side at −w/2 and its apex at +w/2.
 * @internal
 */
export function insideRotated(classId: number, box: OrientedBox): (x: number, y: number) => boolean {
  const cos = Math.cos(box.angle);
  const sin = Math.sin(box.angle);
  const a = box.w / 2;
  const b = box.h / 2;
  return (x, y) => {
    const dx = x - box.cx;
    const dy = y - box.cy;
    const u = dx * cos + dy * sin;
    const v = -dx * sin + dy * cos;
    if (classId === 0) return Math.abs(u) <= a && Math.abs(v) <= b;
    if (classId === 1) return (u / a) ** 2 + (v / b) ** 2 <= 1;
    return u >= -a && u <= a && Math.abs(v) <= (b * (a - u)) / box.w;
  };
}
