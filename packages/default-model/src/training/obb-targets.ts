import type { Architecture } from '../export/architecture.js';
import type { RotatedScene } from '../generate-rotated-scene.js';
import { type AssignmentOptions, assignCells, batchPixels } from './targets.js';

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
 * Turns rotated scenes rendered at the model's input size into training targets, cells assigned as for upright
 * boxes ({@link assignCells}: by the long side, inside meaning half a pixel within the turned box), each target
 * in the head's own description ({@link headDescription}) with its distances in the box's frame.
 */
export function buildObbBatch(scenes: readonly RotatedScene[], architecture: Architecture, options: AssignmentOptions): ObbBatch {
  const s = architecture.imgsz;
  const nc = architecture.classCount;
  const n = architecture.levels.reduce((total, level) => total + (s / level.stride) ** 2, 0);
  const b = scenes.length;
  const cls = new Float32Array(b * n * nc);
  const dist = new Float32Array(b * n * 4).fill(1);
  const rbox = new Float32Array(b * n * 5);
  for (let k = 0; k < b * n; k++) rbox.set([0, 0, 1, 1, 0], k * 5);
  const positive = new Float32Array(b * n);
  let positives = 0;
  scenes.forEach((scene, bi) => {
    const targets = scene.objects.map((object) => headDescription(object.obb));
    // The box's own frame: u along the long side, v across it.
    const frame = ([cx, cy, , , angle]: readonly number[], ax: number, ay: number) => [
      (ax - cx) * Math.cos(angle) + (ay - cy) * Math.sin(angle),
      -(ax - cx) * Math.sin(angle) + (ay - cy) * Math.cos(angle),
    ];
    const objects = targets.map((target) => {
      const [cx, cy, w, h] = target;
      return {
        size: w,
        area: w * h,
        cx,
        cy,
        inside: (ax: number, ay: number) => {
          const [u, v] = frame(target, ax, ay);
          return Math.abs(u) < w / 2 - 0.5 && Math.abs(v) < h / 2 - 0.5;
        },
      };
    });
    assignCells(objects, architecture, options, (cell, index, ax, ay) => {
      const target = targets[index];
      const [, , w, h] = target;
      const [u, v] = frame(target, ax, ay);
      const k = bi * n + cell;
      if (positive[k] === 0) positives++;
      positive[k] = 1;
      cls.fill(0, k * nc, k * nc + nc);
      cls[k * nc + scene.objects[index].classId] = 1;
      // The nearest cell of a thin box may lie outside it: keep distances positive.
      dist.set([Math.max(w / 2 + u, 0.5), Math.max(h / 2 + v, 0.5), Math.max(w / 2 - u, 0.5), Math.max(h / 2 - v, 0.5)], k * 4);
      rbox.set(target, k * 5);
    });
  });
  return { size: b, images: batchPixels(scenes, s), cls, dist, rbox, positive, positives };
}
