import { type OrientedBox, orientedBoxBounds, regularizeOrientedBox } from '@yolokit/core';
import { integerInRange, positiveInteger } from '@yolokit/core/internal';
import { checkSeed } from './seed.js';
import { CLASS_NAMES } from './class-names.js';
import { insideRotated, OBB_CLASS_NAMES } from './generate-rotated-scene.js';
import { addNoise, contrastingColour, paintBackground, paintCoverage, paintShape, resolveSize, type Scene, type SceneObject, type SceneOptions, sampleBackground, type Shape } from './generate-scene.js';
import { Random } from './random.js';

/** Options of {@link generateMovingScenes}. */
export interface MovingScenesOptions {
  /**
   * Frame size in pixels: one number for a square frame, or `{ width, height }`.
   * @defaultValue 160
   */
  readonly size?: SceneOptions['size'];
  /**
   * Frames in the clip.
   * @defaultValue 30
   */
  readonly frames?: number;
  /**
   * Objects, in pairs that cross: one of each pair goes right, the other left, on lanes a little apart, so their
   * boxes overlap (by at most about a third of the smaller) as they pass.
   * @defaultValue 4
   */
  readonly objects?: number;
  /**
   * Draw the oriented-box model's rotated shapes (rectangle, ellipse, triangle; `OBB_CLASS_NAMES`), each at its own
   * angle turning slowly, with their exact oriented boxes in `obb`, instead of the default model's shapes.
   * @defaultValue false
   */
  readonly rotated?: boolean;
}

/** An object of a moving scene: a {@link SceneObject} with its identity, the same in every frame. */
export interface MovingSceneObject extends Omit<SceneObject, 'className'> {
  /** 1, 2, ...: the object's identity across frames. */
  readonly id: number;
  readonly className: string;
  /** `rotated` clips: the exact oriented box, regularised as Ultralytics' results (`box` is its extent). */
  readonly obb?: OrientedBox;
}

/** One frame: a raw RGB image (pass it to `model.predict`) and its exact objects with identities. */
export interface MovingSceneFrame extends Omit<Scene, 'objects' | 'seed'> {
  readonly index: number;
  readonly objects: readonly MovingSceneObject[];
}

/** A clip of {@link MovingSceneFrame}s with exact boxes and identities, for tracking tests. */
export interface MovingScenes {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly frames: readonly MovingSceneFrame[];
}

/**
 * Generates a clip of the default model's shapes moving in straight lines across a fixed background: pairs of
 * shapes on neighbouring lanes cross each other, one going right and one left, each at its own speed. Every frame
 * has its exact boxes and each object's identity; the same seed and options give the same bytes.
 *
 * @example
 * ```ts
 * import { generateMovingScenes } from '@yolokit/default-model';
 * const clip = generateMovingScenes(3, { frames: 20, objects: 4 });
 * for (const frame of clip.frames) console.log(frame.index, frame.objects.map((o) => [o.id, o.box]));
 * ```
 */
export function generateMovingScenes(seed: number, options: MovingScenesOptions = {}): MovingScenes {
  checkSeed(seed);
  const { width, height } = resolveSize(options.size);
  const frameCount = positiveInteger(options.frames, 'options.frames', 30);
  const objectCount = integerInRange(options.objects, 'options.objects', 1, 8, 4) as number;
  const random = new Random((seed >>> 0) ^ 0x5eed);
  const base = new Float32Array(width * height * 3);
  const background = paintBackground(base, width, height, random);
  const pairs = Math.ceil(objectCount / 2);
  const side = Math.min(width, height);
  const paths = Array.from({ length: objectCount }, (_, i) => {
    const classId = random.int(0, CLASS_NAMES.length - 1);
    const size = side * random.uniform(0.14, 0.2);
    const pair = Math.floor(i / 2);
    // Rotated shapes pass a little further apart: the oriented-box model was trained on shapes that never overlap.
    const laneY = (height * (2 * pair + 1)) / (2 * pairs) + (i % 2 === 0 ? -1 : 1) * (options.rotated ? 0.4 : 0.35) * size;
    const rightward = i % 2 === 0;
    const margin = 2 + random.uniform(0, width * 0.08);
    const left = margin;
    const right = width - margin - size;
    const [fromX, toX] = rightward ? [left, right] : [right, left];
    const y1 = Math.min(Math.max(1, laneY - size / 2), height - 1 - size);
    const centre = sampleBackground(background, width, height, (fromX + toX) / 2 + size / 2, y1 + size / 2);
    const shape: Omit<Shape, 'box'> = {
      classId,
      hole: random.uniform(0.45, 0.7),
      apex: (['up', 'down', 'left', 'right'] as const)[random.int(0, 3)],
      colour: contrastingColour(random, centre),
    };
    // Rotated shapes: as long as a default shape is wide, a half to two thirds as broad, turning 0.01 rad a frame.
    const rotation = options.rotated ? { classId: random.int(0, OBB_CLASS_NAMES.length - 1), breadth: size / random.uniform(1.5, 2), angle: random.uniform(0, Math.PI) } : undefined;
    return { id: i + 1, shape, size, fromX, toX, y1, rotation };
  });
  const frames: MovingSceneFrame[] = [];
  for (let index = 0; index < frameCount; index++) {
    const t = frameCount === 1 ? 0 : index / (frameCount - 1);
    const image = base.slice();
    const objects: MovingSceneObject[] = [];
    for (const path of paths) {
      const x1 = path.fromX + (path.toX - path.fromX) * t;
      if (path.rotation) {
        const { classId, breadth, angle } = path.rotation;
        const turned: OrientedBox = { cx: x1 + path.size / 2, cy: path.y1 + path.size / 2, w: path.size, h: breadth, angle: angle + 0.01 * index };
        paintCoverage(image, width, height, orientedBoxBounds(turned), insideRotated(classId, turned), path.shape.colour);
        objects.push({ id: path.id, classId, className: OBB_CLASS_NAMES[classId], box: orientedBoxBounds(turned), obb: regularizeOrientedBox(turned) });
        continue;
      }
      const box: [number, number, number, number] = [x1, path.y1, x1 + path.size, path.y1 + path.size];
      paintShape(image, width, height, { ...path.shape, box });
      objects.push({ id: path.id, classId: path.shape.classId, className: CLASS_NAMES[path.shape.classId], box });
    }
    const data = addNoise(image, new Random(((seed >>> 0) * 31 + index) >>> 0));
    frames.push({ index, width, height, channels: 3, data, objects });
  }
  return { seed, width, height, frames };
}
