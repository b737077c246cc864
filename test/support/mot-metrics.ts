/**
 * CLEAR MOT and identity metrics for evaluating a tracker on sequences with exact identities, as py-motmetrics
 * computes them (Bernardin & Stiefelhagen 2008 for MOTA; Ristani et al. 2016 for IDF1):
 *
 * - Per frame, a ground-truth object and a hypothesis may be matched when their IoU is at least `iouThreshold`
 *   (0.5, as MOTChallenge). Correspondences of the previous frame are kept while still valid; the rest are matched
 *   by least total distance (1 − IoU).
 * - An identity switch: a ground-truth object matched to a different hypothesis id than at its last match.
 * - MOTA = 1 − (misses + false positives + switches) / ground-truth detections.
 * - IDF1: one global one-to-one matching of ground-truth trajectories to hypothesis trajectories maximising the
 *   frames where the pair overlaps (IDTP); IDF1 = 2 IDTP / (ground-truth detections + hypothesis detections).
 */
// The evaluators' IoU (default-model's, as its mAP uses), not the tracker's own: the metric stays independent of it.
import { boxIou as iou } from '@yolokit/core';
import { hungarian } from '@yolokit/stream/track';

export type Box = readonly [number, number, number, number];

/** One object in one frame: its identity and box `[x1, y1, x2, y2]`. */
export interface MotObject {
  readonly id: number;
  readonly box: Box;
}

/** One frame: the truth and what the tracker said. */
export interface MotFrame {
  readonly truth: readonly MotObject[];
  readonly hypotheses: readonly MotObject[];
}

export interface MotSummary {
  readonly frames: number;
  readonly truthCount: number;
  readonly hypothesisCount: number;
  readonly matches: number;
  readonly misses: number;
  readonly falsePositives: number;
  readonly idSwitches: number;
  readonly mota: number;
  readonly idtp: number;
  readonly idf1: number;
}

/** Least-cost matching of a rectangular cost matrix, pairs costing `Infinity` never taken. */
function minimumMatching(cost: number[][], columns: number): Array<[number, number]> {
  const rows = cost.length;
  const n = Math.max(rows, columns);
  if (n === 0) return [];
  const big = 1e6;
  const square = new Float64Array(n * n).fill(big);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) if (Number.isFinite(cost[i][j])) square[i * n + j] = cost[i][j];
  const assigned = hungarian(square, n);
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < rows; i++) if (assigned[i] < columns && Number.isFinite(cost[i][assigned[i]])) pairs.push([i, assigned[i]]);
  return pairs;
}

/** MOTA, IDF1, switches and their counts over a sequence of frames. */
export function motMetrics(frames: readonly MotFrame[], iouThreshold = 0.5): MotSummary {
  let truthCount = 0;
  let hypothesisCount = 0;
  let matches = 0;
  let idSwitches = 0;
  const current = new Map<number, number>(); // truth id → hypothesis id matched in the previous frame
  const lastMatch = new Map<number, number>(); // truth id → hypothesis id at its last match, ever
  const overlap = new Map<string, number>(); // "truth|hypothesis" → frames with IoU ≥ threshold
  const truthIds = new Set<number>();
  const hypothesisIds = new Set<number>();
  for (const { truth, hypotheses } of frames) {
    truthCount += truth.length;
    hypothesisCount += hypotheses.length;
    for (const t of truth) truthIds.add(t.id);
    for (const h of hypotheses) hypothesisIds.add(h.id);
    const ious = truth.map((t) => hypotheses.map((h) => iou(t.box, h.box)));
    for (const [i, row] of ious.entries()) {
      for (const [j, value] of row.entries()) {
        if (value < iouThreshold) continue;
        const key = `${truth[i].id}|${hypotheses[j].id}`;
        overlap.set(key, (overlap.get(key) ?? 0) + 1);
      }
    }
    const matchedTruth = new Set<number>();
    const matchedHypotheses = new Set<number>();
    const now = new Map<number, number>();
    // Keep last frame's correspondences that are still valid.
    truth.forEach((t, i) => {
      const previous = current.get(t.id);
      if (previous === undefined) return;
      const j = hypotheses.findIndex((h) => h.id === previous);
      if (j >= 0 && ious[i][j] >= iouThreshold) {
        matchedTruth.add(i);
        matchedHypotheses.add(j);
        now.set(t.id, previous);
      }
    });
    const freeTruth = truth.map((_, i) => i).filter((i) => !matchedTruth.has(i));
    const freeHypotheses = hypotheses.map((_, j) => j).filter((j) => !matchedHypotheses.has(j));
    const cost = freeTruth.map((i) => freeHypotheses.map((j) => (ious[i][j] >= iouThreshold ? 1 - ious[i][j] : Number.POSITIVE_INFINITY)));
    for (const [a, b] of minimumMatching(cost, freeHypotheses.length)) {
      const t = truth[freeTruth[a]];
      const h = hypotheses[freeHypotheses[b]];
      const before = lastMatch.get(t.id);
      if (before !== undefined && before !== h.id) idSwitches += 1;
      now.set(t.id, h.id);
    }
    for (const [t, h] of now) lastMatch.set(t, h);
    matches += now.size;
    current.clear();
    for (const [t, h] of now) current.set(t, h);
  }
  const misses = truthCount - matches;
  const falsePositives = hypothesisCount - matches;
  // IDF1: maximise the overlapping frames of a one-to-one pairing of trajectories (cost −IDTP of a pair).
  const truthList = [...truthIds];
  const hypothesisList = [...hypothesisIds];
  const pairCost = truthList.map((t) => hypothesisList.map((h) => -(overlap.get(`${t}|${h}`) ?? 0)));
  const idtp = minimumMatching(pairCost, hypothesisList.length).reduce((sum, [i, j]) => sum - pairCost[i][j], 0);
  return {
    frames: frames.length,
    truthCount,
    hypothesisCount,
    matches,
    misses,
    falsePositives,
    idSwitches,
    mota: truthCount === 0 ? 1 : 1 - (misses + falsePositives + idSwitches) / truthCount,
    idtp,
    idf1: truthCount + hypothesisCount === 0 ? 1 : (2 * idtp) / (truthCount + hypothesisCount),
  };
}
