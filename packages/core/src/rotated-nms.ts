/**
 * Non-maximum suppression of oriented boxes as Ultralytics does it for OBB models. Followed: ultralytics 8.4,
 * `utils/nms.py` (`non_max_suppression(rotated=True)`, `TorchNMS.fast_nms(iou_func=batch_probiou)`).
 */
import type { Candidates } from './decode.js';
import type { NmsOptions } from './nms.js';
import { boxCovariance, probiouOf } from './probiou.js';

/**
 * Fast-NMS (Bolya et al., YOLACT) with probabilistic IoU: candidates sorted by score, and a box is dropped when
 * its probiou with **any** higher-scoring box of its class (any class when agnostic) is `>= iou`, whether that
 * box was kept or itself dropped. That is Ultralytics' rule (`(triu(ious) >= iou).sum(0) <= 0` keeps), and it
 * differs from greedy NMS: a chain A > B > C with A suppressing B and B overlapping C also drops C, though C
 * may not overlap A. Ultralytics separates classes by shifting centres 7680 px per class id, which makes
 * probiou across classes ≈ −5e−8; comparing within a class is the same.
 *
 * @param boxes - `cx, cy, w, h, angle` per candidate (5 values each), in model-input pixels
 * @returns indices into `candidates`, highest score first, at most `maxDet`
 */
export function rotatedNonMaxSuppression(
  boxes: Float64Array,
  candidates: Pick<Candidates, 'count' | 'scores' | 'classIds'>,
  options: NmsOptions,
): number[] {
  const { scores, classIds } = candidates;
  let order = Array.from({ length: candidates.count }, (_, i) => i);
  // Stable, ties by index, so results are deterministic across runtimes and threads.
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const maxCandidates = options.maxCandidates ?? 30000;
  if (order.length > maxCandidates) order = order.slice(0, maxCandidates);

  const n = order.length;
  const covariances = order.map((i) => boxCovariance(boxes[i * 5 + 2], boxes[i * 5 + 3], boxes[i * 5 + 4]));
  const traces = covariances.map(([a, b]) => a + b);
  // A cheap bound first, with no log, root or exp: probiou's distance term is (det / (det + eps)) · ΔᵀΣ⁻¹Δ / 4
  // with Σ = Σ1 + Σ2, ΔᵀΣ⁻¹Δ ≥ |Δ|² / tr Σ (the largest eigenvalue is at most the trace), and the log term is
  // never below −1e−7. Past the distance `reach` at which probiou falls below `iou`, the pair cannot suppress
  // and the exact formula is skipped (the 1% and 1e−6 absorb the eps terms). Most pairs are far apart.
  const reach = -Math.log(Math.max(1e-300, 1 + 1e-7 - (1 - options.iou) ** 2)) * 1.01 + 1e-6;
  const groups = new Map<number, number[]>();
  const kept: number[] = [];
  for (let j = 0; j < n && kept.length < options.maxDet; j++) {
    const index = order[j];
    const group = options.agnostic ? 0 : classIds[index];
    let earlier = groups.get(group);
    if (!earlier) {
      earlier = [];
      groups.set(group, earlier);
    }
    const x = boxes[index * 5];
    const y = boxes[index * 5 + 1];
    let suppressed = false;
    for (const i of earlier) {
      const other = order[i];
      const dx = x - boxes[other * 5];
      const dy = y - boxes[other * 5 + 1];
      const [a1, b1, c1] = covariances[i];
      const [a2, b2, c2] = covariances[j];
      const det = (a1 + a2) * (b1 + b2) - (c1 + c2) ** 2;
      if (((dx * dx + dy * dy) / (4 * (traces[i] + traces[j]))) * (det / (det + 1e-7)) > reach) continue;
      if (probiouOf(boxes[other * 5], boxes[other * 5 + 1], covariances[i], x, y, covariances[j]) >= options.iou) {
        suppressed = true;
        break;
      }
    }
    // Every box, kept or not, suppresses the boxes after it (fast-NMS).
    earlier.push(j);
    if (!suppressed) kept.push(index);
  }
  return kept;
}
