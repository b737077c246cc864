import type { Architecture } from '../export/architecture.js';
import type { RotatedScene } from '../generate-rotated-scene.js';
import type { AssignmentOptions } from './targets.js';

/** One batch of rotated scenes, as flat arrays ready to become tensors. */
export interface ObbBatch {
  readonly size: number;
  /** `[B, S, S, 3]` in 0..1. */
  readonly images: Float32Array;
  /** `[B, N, nc]` one-hot class targets (zero for negative cells). */
  readonly cls: Float32Array;
  /** `[B, N, 4]` distances from the cell centre to the box's sides in the box's own frame (l, t, r, b); 1 where negative. */
  readonly dist: Float32Array;
  /** `[B, N, 5]` the target box cx, cy, w, h, angle (w the long side, angle in [−π/4, 3π/4)); a unit box where negative. */
  readonly rbox: Float32Array;
  /** `[B, N, 1]` 1 for positive cells. */
  readonly positive: Float32Array;
  readonly positives: number;
}

/**
 * The one description of an oriented box the head can give exactly: the long side as `w` and the angle in the
 * head's range [−π/4, 3π/4) (`(sigmoid − 0.25)·π`).
 */
export function headDescription(obb: { cx: number; cy: number; w: number; h: number; angle: number }): [number, number, number, number, number] {
  let { w, h, angle } = obb;
  if (w < h) {
    [w, h] = [h, w];
    angle += Math.PI / 2;
  }
  angle -= Math.PI * Math.floor((angle + Math.PI / 4) / Math.PI);
  return [obb.cx, obb.cy, w, h, angle];
}

/**
 * Turns rotated scenes rendered at the model's input size into training targets, as `buildBatch` does for
 * upright boxes: each object goes to the levels whose size range holds its long side; there, the cells whose
 * centre lies inside the turned box (half a pixel in) and within `centreRadius` strides of its centre are
 * positive, the nearest cell always. A cell claimed twice goes to the smaller object.
 */
export function buildObbBatch(scenes: readonly RotatedScene[], architecture: Architecture, options: AssignmentOptions): ObbBatch {
  const s = architecture.imgsz;
  const nc = architecture.classCount;
  const cellsPerLevel = architecture.levels.map((level) => (s / level.stride) ** 2);
  const n = cellsPerLevel.reduce((a, b) => a + b, 0);
  const b = scenes.length;
  const images = new Float32Array(b * s * s * 3);
  const cls = new Float32Array(b * n * nc);
  const dist = new Float32Array(b * n * 4).fill(1);
  const rbox = new Float32Array(b * n * 5);
  for (let k = 0; k < b * n; k++) rbox.set([0, 0, 1, 1, 0], k * 5);
  const positive = new Float32Array(b * n);
  const owner = new Float32Array(n);
  let positives = 0;
  scenes.forEach((scene, bi) => {
    if (scene.width !== s || scene.height !== s) throw new Error(`training scenes must be ${s}x${s}, got ${scene.width}x${scene.height}`);
    for (let i = 0; i < scene.data.length; i++) images[bi * s * s * 3 + i] = scene.data[i] / 255;
    owner.fill(Number.POSITIVE_INFINITY);
    let offset = 0;
    architecture.levels.forEach((level, li) => {
      const stride = level.stride;
      const cells = s / stride;
      const [minSize, maxSize] = options.sizeRanges[li];
      for (const object of scene.objects) {
        const target = headDescription(object.obb);
        const [cx, cy, w, h, angle] = target;
        if (w < minSize || w > maxSize) continue;
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        const radius = options.centreRadius * stride;
        const nearestI = Math.min(cells - 1, Math.max(0, Math.floor(cy / stride)));
        const nearestJ = Math.min(cells - 1, Math.max(0, Math.floor(cx / stride)));
        for (let i = 0; i < cells; i++) {
          const ay = (i + 0.5) * stride;
          for (let j = 0; j < cells; j++) {
            const ax = (j + 0.5) * stride;
            const u = (ax - cx) * cos + (ay - cy) * sin;
            const v = -(ax - cx) * sin + (ay - cy) * cos;
            const nearest = i === nearestI && j === nearestJ;
            const inside = Math.abs(u) < w / 2 - 0.5 && Math.abs(v) < h / 2 - 0.5;
            const near = Math.abs(ax - cx) <= radius && Math.abs(ay - cy) <= radius;
            if (!(nearest || (inside && near))) continue;
            const cell = offset + i * cells + j;
            if (w * h >= owner[cell]) continue;
            owner[cell] = w * h;
            const k = bi * n + cell;
            if (positive[k] === 0) positives++;
            positive[k] = 1;
            cls.fill(0, k * nc, k * nc + nc);
            cls[k * nc + object.classId] = 1;
            // The nearest cell of a thin box may lie outside it: keep distances positive.
            dist.set([Math.max(w / 2 + u, 0.5), Math.max(h / 2 + v, 0.5), Math.max(w / 2 - u, 0.5), Math.max(h / 2 - v, 0.5)], k * 4);
            rbox.set(target, k * 5);
          }
        }
      }
      offset += cellsPerLevel[li];
    });
  });
  return { size: b, images, cls, dist, rbox, positive, positives };
}
