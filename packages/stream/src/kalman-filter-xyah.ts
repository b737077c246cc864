/**
 * The constant-velocity Kalman filter of ByteTrack, in Ultralytics' form (ultralytics 8.3,
 * `trackers/utils/kalman_filter.py`, `KalmanFilterXYAH`): state `(x, y, a, h, vx, vy, va, vh)` with the box
 * centre, aspect ratio `w / h` and height; the box is observed directly. Noise is relative to the height (1/20 of
 * it for positions, 1/160 for velocities), as there. Plain `Float64Array`s, no matrix library: 8 × 8 at most.
 */

/** A track's state: mean (8 values) and covariance (8 × 8, row-major). */
export interface KalmanState {
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
}

/** A measured box `[centreX, centreY, aspect (w / h), height]`. */
export type Xyah = readonly [number, number, number, number];

const STD_WEIGHT_POSITION = 1 / 20;
const STD_WEIGHT_VELOCITY = 1 / 160;

/** `KalmanFilterXYAH`: stateless, so one instance serves every track of every tracker. */
export class KalmanFilterXYAH {
  /** A new track from an unassociated measurement: velocities 0, uncertainty scaled by the height. */
  initiate(measurement: Xyah): KalmanState {
    const mean = new Float64Array(8);
    mean.set(measurement);
    const h = measurement[3];
    const p = 2 * STD_WEIGHT_POSITION * h;
    const v = 10 * STD_WEIGHT_VELOCITY * h;
    return { mean, covariance: diagonal([p, p, 1e-2, p, v, v, 1e-5, v]) };
  }

  /** One frame ahead: `x' = F x`, `P' = F P Fᵀ + Q` with `Q` scaled by the current height. */
  predict(state: KalmanState): KalmanState {
    const { mean, covariance } = state;
    const h = mean[3];
    const p = STD_WEIGHT_POSITION * h;
    const v = STD_WEIGHT_VELOCITY * h;
    const next = new Float64Array(8);
    for (let i = 0; i < 4; i++) {
      next[i] = mean[i] + mean[i + 4];
      next[i + 4] = mean[i + 4];
    }
    // F = [[I, I], [0, I]]: (F P Fᵀ)[i][j] sums the position and velocity blocks.
    const out = new Float64Array(64);
    const at = (i: number, j: number): number => covariance[i * 8 + j];
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        let value = at(i, j);
        if (i < 4) value += at(i + 4, j);
        if (j < 4) value += at(i, j + 4);
        if (i < 4 && j < 4) value += at(i + 4, j + 4);
        out[i * 8 + j] = value;
      }
    }
    const q = [p, p, 1e-2, p, v, v, 1e-5, v];
    for (let i = 0; i < 8; i++) out[i * 9] += q[i] * q[i];
    return { mean: next, covariance: out };
  }

  /** The state in measurement space: `H x` and `H P Hᵀ + R` (4 × 4, row-major). */
  project(state: KalmanState): { mean: Float64Array; covariance: Float64Array } {
    const h = state.mean[3];
    const p = STD_WEIGHT_POSITION * h;
    const r = [p, p, 1e-1, p];
    const covariance = new Float64Array(16);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) covariance[i * 4 + j] = state.covariance[i * 8 + j];
      covariance[i * 5] += r[i] * r[i];
    }
    return { mean: state.mean.slice(0, 4), covariance };
  }

  /** The correction by a measurement: gain `K = P Hᵀ S⁻¹`, `x + K (z − H x)`, `P − K S Kᵀ`. */
  update(state: KalmanState, measurement: Xyah): KalmanState {
    const projected = this.project(state);
    const inverse = inverseSymmetric4(projected.covariance);
    const { mean, covariance } = state;
    // K (8 × 4) = P[:, 0:4] S⁻¹
    const gain = new Float64Array(32);
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 4; j++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += covariance[i * 8 + k] * inverse[k * 4 + j];
        gain[i * 4 + j] = sum;
      }
    }
    const innovation = [0, 1, 2, 3].map((k) => measurement[k] - projected.mean[k]);
    const nextMean = new Float64Array(8);
    for (let i = 0; i < 8; i++) {
      let sum = mean[i];
      for (let k = 0; k < 4; k++) sum += gain[i * 4 + k] * innovation[k];
      nextMean[i] = sum;
    }
    // K S Kᵀ = K (P[0:4, :]) since S Kᵀ = P[0:4, :] (S symmetric): one product fewer.
    const nextCovariance = new Float64Array(64);
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += gain[i * 4 + k] * covariance[k * 8 + j];
        nextCovariance[i * 8 + j] = covariance[i * 8 + j] - sum;
      }
    }
    return { mean: nextMean, covariance: nextCovariance };
  }
}

function diagonal(std: readonly number[]): Float64Array {
  const n = std.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * (n + 1)] = std[i] * std[i];
  return out;
}

/** The inverse of a symmetric positive-definite 4 × 4 matrix, through its Cholesky factor (as scipy's cho_solve). */
function inverseSymmetric4(s: Float64Array): Float64Array {
  const l = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = s[i * 4 + j];
      for (let k = 0; k < j; k++) sum -= l[i * 4 + k] * l[j * 4 + k];
      l[i * 4 + j] = i === j ? Math.sqrt(Math.max(sum, Number.MIN_VALUE)) : sum / l[j * 4 + j];
    }
  }
  const inverse = new Float64Array(16);
  for (let column = 0; column < 4; column++) {
    // Solve L y = e_column, then Lᵀ x = y.
    const y = new Float64Array(4);
    for (let i = 0; i < 4; i++) {
      let sum = i === column ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= l[i * 4 + k] * y[k];
      y[i] = sum / l[i * 5];
    }
    for (let i = 3; i >= 0; i--) {
      let sum = y[i];
      for (let k = i + 1; k < 4; k++) sum -= l[k * 4 + i] * inverse[k * 4 + column];
      inverse[i * 4 + column] = sum / l[i * 5];
    }
  }
  return inverse;
}
