import type { Architecture } from '../export/architecture.js';
import type { Scene } from '../generate-scene.js';

/** How ground truth is assigned to output cells. */
export interface AssignmentOptions {
  /** Object sizes (longer side, input pixels) each level learns, `[min, max]`, one pair per level. */
  readonly sizeRanges: readonly (readonly [number, number])[];
  /** A cell is positive when its centre lies inside the box and within this many strides of the box centre. */
  readonly centreRadius: number;
}

/** One batch, as flat arrays ready to become tensors. */
export interface Batch {
  readonly size: number;
  /** `[B, S, S, 3]` in 0..1. */
  readonly images: Float32Array;
  /** `[B, N, nc]` one-hot class targets (zero for negative cells). */
  readonly cls: Float32Array;
  /** `[B, N, 4]` distances from the cell centre to the box's left, top, right and bottom edges (1 where negative). */
  readonly box: Float32Array;
  /** `[B, N, 1]` 1 for positive cells. */
  readonly positive: Float32Array;
  readonly positives: number;
}

/** One object as the cell assignment sees it. */
export interface AssignedObject {
  /** Compared with the levels' size ranges (the longer side). */
  readonly size: number;
  /** A cell two objects claim goes to the one of smaller area. */
  readonly area: number;
  readonly cx: number;
  readonly cy: number;
  /** Whether a cell centre at (ax, ay) lies inside the object (half a pixel in). */
  inside(ax: number, ay: number): boolean;
}

/**
 * The positive cells of one image: each object goes to the levels whose size range holds it; there, the cells
 * whose centre is inside it and within `centreRadius` strides of its centre are positive (the nearest cell
 * always is). A cell claimed by two objects goes to the smaller one. `claim(cell, object, ax, ay)` is called
 * for every cell an object takes, `cell` counting over every level's cells in output order (a cell may be
 * claimed again, by a smaller object).
 */
export function assignCells(
  objects: readonly AssignedObject[],
  architecture: Architecture,
  options: AssignmentOptions,
  claim: (cell: number, object: number, ax: number, ay: number) => void,
): void {
  const s = architecture.imgsz;
  const owner = new Float32Array(architecture.levels.reduce((n, level) => n + (s / level.stride) ** 2, 0)).fill(Number.POSITIVE_INFINITY);
  let offset = 0;
  architecture.levels.forEach((level, li) => {
    const stride = level.stride;
    const cells = s / stride;
    const [minSize, maxSize] = options.sizeRanges[li];
    objects.forEach((object, index) => {
      if (object.size < minSize || object.size > maxSize) return;
      const radius = options.centreRadius * stride;
      const nearestI = Math.min(cells - 1, Math.max(0, Math.floor(object.cy / stride)));
      const nearestJ = Math.min(cells - 1, Math.max(0, Math.floor(object.cx / stride)));
      for (let i = 0; i < cells; i++) {
        const ay = (i + 0.5) * stride;
        for (let j = 0; j < cells; j++) {
          const ax = (j + 0.5) * stride;
          const nearest = i === nearestI && j === nearestJ;
          const near = Math.abs(ax - object.cx) <= radius && Math.abs(ay - object.cy) <= radius;
          if (!(nearest || (near && object.inside(ax, ay)))) continue;
          const cell = offset + i * cells + j;
          if (object.area >= owner[cell]) continue;
          owner[cell] = object.area;
          claim(cell, index, ax, ay);
        }
      }
    });
    offset += cells * cells;
  });
}

/** The images of a batch, `[B, S, S, 3]` in 0..1, from scenes rendered at the model's input size. */
export function batchPixels(scenes: readonly { readonly width: number; readonly height: number; readonly data: Uint8Array }[], s: number): Float32Array {
  const images = new Float32Array(scenes.length * s * s * 3);
  scenes.forEach((scene, bi) => {
    if (scene.width !== s || scene.height !== s) throw new Error(`training scenes must be ${s}x${s}, got ${scene.width}x${scene.height}`);
    for (let i = 0; i < scene.data.length; i++) images[bi * s * s * 3 + i] = scene.data[i] / 255;
  });
  return images;
}

/**
 * Turns scenes rendered at the model's input size into training targets, cells assigned by {@link assignCells}
 * (inside: the cell centre half a pixel within the box).
 */
export function buildBatch(scenes: readonly Scene[], architecture: Architecture, options: AssignmentOptions): Batch {
  const s = architecture.imgsz;
  const nc = architecture.classCount;
  const n = architecture.levels.reduce((total, level) => total + (s / level.stride) ** 2, 0);
  const b = scenes.length;
  const cls = new Float32Array(b * n * nc);
  const box = new Float32Array(b * n * 4).fill(1);
  const positive = new Float32Array(b * n);
  let positives = 0;
  scenes.forEach((scene, bi) => {
    const objects = scene.objects.map(({ box: [x1, y1, x2, y2] }) => ({
      size: Math.max(x2 - x1, y2 - y1),
      area: (x2 - x1) * (y2 - y1),
      cx: (x1 + x2) / 2,
      cy: (y1 + y2) / 2,
      inside: (ax: number, ay: number) => ax - x1 > 0.5 && ay - y1 > 0.5 && x2 - ax > 0.5 && y2 - ay > 0.5,
    }));
    assignCells(objects, architecture, options, (cell, index, ax, ay) => {
      const object = scene.objects[index];
      const [x1, y1, x2, y2] = object.box;
      const k = bi * n + cell;
      if (positive[k] === 0) positives++;
      positive[k] = 1;
      cls.fill(0, k * nc, k * nc + nc);
      cls[k * nc + object.classId] = 1;
      // The nearest cell of a tiny object may sit on its edge: keep distances positive.
      box[k * 4] = Math.max(ax - x1, 0.5);
      box[k * 4 + 1] = Math.max(ay - y1, 0.5);
      box[k * 4 + 2] = Math.max(x2 - ax, 0.5);
      box[k * 4 + 3] = Math.max(y2 - ay, 0.5);
    });
  });
  return { size: b, images: batchPixels(scenes, s), cls, box, positive, positives };
}
