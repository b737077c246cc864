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

/**
 * Turns scenes rendered at the model's input size into training targets. Each object is given to the levels
 * whose size range holds it; there, the cells whose centre is inside the box and near its centre are
 * positive (the nearest cell always is). A cell claimed by two objects goes to the smaller one.
 */
export function buildBatch(scenes: readonly Scene[], architecture: Architecture, options: AssignmentOptions): Batch {
  const s = architecture.imgsz;
  const nc = architecture.classCount;
  const cellsPerLevel = architecture.levels.map((level) => (s / level.stride) ** 2);
  const n = cellsPerLevel.reduce((a, b) => a + b, 0);
  const b = scenes.length;
  const images = new Float32Array(b * s * s * 3);
  const cls = new Float32Array(b * n * nc);
  const box = new Float32Array(b * n * 4).fill(1);
  const positive = new Float32Array(b * n);
  const owner = new Float32Array(n);
  let positives = 0;
  scenes.forEach((scene, bi) => {
    if (scene.width !== s || scene.height !== s) throw new Error(`training scenes must be ${s}x${s}, got ${scene.width}x${scene.height}`);
    const pixels = scene.data;
    const base = bi * s * s * 3;
    for (let i = 0; i < pixels.length; i++) images[base + i] = pixels[i] / 255;
    owner.fill(Number.POSITIVE_INFINITY);
    let offset = 0;
    architecture.levels.forEach((level, li) => {
      const stride = level.stride;
      const cells = s / stride;
      const [minSize, maxSize] = options.sizeRanges[li];
      for (const object of scene.objects) {
        const [x1, y1, x2, y2] = object.box;
        const side = Math.max(x2 - x1, y2 - y1);
        if (side < minSize || side > maxSize) continue;
        const area = (x2 - x1) * (y2 - y1);
        const cx = (x1 + x2) / 2;
        const cy = (y1 + y2) / 2;
        const radius = options.centreRadius * stride;
        const nearestI = Math.min(cells - 1, Math.max(0, Math.floor(cy / stride)));
        const nearestJ = Math.min(cells - 1, Math.max(0, Math.floor(cx / stride)));
        for (let i = 0; i < cells; i++) {
          const ay = (i + 0.5) * stride;
          for (let j = 0; j < cells; j++) {
            const ax = (j + 0.5) * stride;
            const l = ax - x1;
            const t = ay - y1;
            const r = x2 - ax;
            const bo = y2 - ay;
            const nearest = i === nearestI && j === nearestJ;
            const inside = l > 0.5 && t > 0.5 && r > 0.5 && bo > 0.5;
            const near = Math.abs(ax - cx) <= radius && Math.abs(ay - cy) <= radius;
            if (!(nearest || (inside && near))) continue;
            const cell = offset + i * cells + j;
            if (area >= owner[cell]) continue;
            owner[cell] = area;
            const k = bi * n + cell;
            if (positive[k] === 0) positives++;
            positive[k] = 1;
            cls.fill(0, k * nc, k * nc + nc);
            cls[k * nc + object.classId] = 1;
            // The nearest cell of a tiny object may sit on its edge: keep distances positive.
            box[k * 4] = Math.max(l, 0.5);
            box[k * 4 + 1] = Math.max(t, 0.5);
            box[k * 4 + 2] = Math.max(r, 0.5);
            box[k * 4 + 3] = Math.max(bo, 0.5);
          }
        }
      }
      offset += cellsPerLevel[li];
    });
  });
  return { size: b, images, cls, box, positive, positives };
}
