import type { Candidates } from './decode.js';

export interface NmsOptions {
  /** Suppress a box whose IoU with a kept box of the same class (any class when agnostic) exceeds this. */
  readonly iou: number;
  /** Keep at most this many boxes. */
  readonly maxDet: number;
  /** Compare boxes across classes. */
  readonly agnostic: boolean;
  /**
   * Look at no more than this many highest-scoring candidates, as Ultralytics' `max_nms` does.
   * @defaultValue 30000
   */
  readonly maxCandidates?: number;
}

/**
 * Greedy non-maximum suppression, class-aware unless `agnostic`. Returns indices into `candidates`, highest
 * score first. Same rule as torchvision's `nms`: a box is dropped when its IoU with a kept box is `> iou`.
 */
export function nonMaxSuppression(candidates: Candidates, options: NmsOptions): number[] {
  const { boxes, scores, classIds } = candidates;
  let order = Array.from({ length: candidates.count }, (_, i) => i);
  // Stable sort, ties by index, so results are deterministic across runtimes and threads.
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const maxCandidates = options.maxCandidates ?? 30000;
  if (order.length > maxCandidates) order = order.slice(0, maxCandidates);

  const keptByGroup = new Map<number, number[]>();
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= options.maxDet) break;
    const group = options.agnostic ? 0 : classIds[i];
    let groupKept = keptByGroup.get(group);
    if (!groupKept) {
      groupKept = [];
      keptByGroup.set(group, groupKept);
    }
    const x1 = boxes[i * 4];
    const y1 = boxes[i * 4 + 1];
    const x2 = boxes[i * 4 + 2];
    const y2 = boxes[i * 4 + 3];
    const area = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
    let suppressed = false;
    for (const j of groupKept) {
      const ix = Math.min(x2, boxes[j * 4 + 2]) - Math.max(x1, boxes[j * 4]);
      if (ix <= 0) continue;
      const iy = Math.min(y2, boxes[j * 4 + 3]) - Math.max(y1, boxes[j * 4 + 1]);
      if (iy <= 0) continue;
      const inter = ix * iy;
      const other = (boxes[j * 4 + 2] - boxes[j * 4]) * (boxes[j * 4 + 3] - boxes[j * 4 + 1]);
      if (inter / (area + other - inter) > options.iou) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) {
      groupKept.push(i);
      kept.push(i);
    }
  }
  return kept;
}

/** Candidates sorted by score and cut to `maxDet`, without suppression (end-to-end models). */
export function topK(candidates: Candidates, maxDet: number): number[] {
  const order = Array.from({ length: candidates.count }, (_, i) => i);
  order.sort((a, b) => candidates.scores[b] - candidates.scores[a] || a - b);
  return order.slice(0, maxDet);
}
