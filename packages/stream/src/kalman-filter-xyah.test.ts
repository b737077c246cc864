import { describe, expect, it } from 'vitest';
import { KalmanFilterXYAH } from './kalman-filter-xyah.js';

// Hand computation: the covariance stays block-diagonal per coordinate (x with vx, y with vy, a with va, h with
// vh), so each coordinate is a 2 × 2 filter that can be worked out with scalars. Box: centre (50, 60), aspect 0.5,
// height 100. Ultralytics' weights: position 1/20, velocity 1/160.
describe('KalmanFilterXYAH (numbers worked out per coordinate by hand)', () => {
  const filter = new KalmanFilterXYAH();
  const start = filter.initiate([50, 60, 0.5, 100]);

  it('initiate: mean = measurement with zero velocities, variances (2·h/20)², (1e-2)², (10·h/160)², (1e-5)²', () => {
    expect(Array.from(start.mean)).toEqual([50, 60, 0.5, 100, 0, 0, 0, 0]);
    const diagonal = Array.from({ length: 8 }, (_, i) => start.covariance[i * 9]);
    const expected = [100, 100, 1e-4, 100, 39.0625, 39.0625, 1e-10, 39.0625];
    for (const [i, value] of diagonal.entries()) expect(value).toBeCloseTo(expected[i], 12);
    expect(start.covariance.reduce((sum, v) => sum + v, 0)).toBeCloseTo(expected.reduce((s, v) => s + v, 0), 9);
  });

  it('predict: P_xx = 100 + 39.0625 + 5² = 164.0625, P_x,vx = 39.0625, P_vx,vx = 39.0625 + 0.625² = 39.453125', () => {
    const predicted = filter.predict(start);
    expect(Array.from(predicted.mean)).toEqual([50, 60, 0.5, 100, 0, 0, 0, 0]);
    const P = (i: number, j: number) => predicted.covariance[i * 8 + j];
    expect(P(0, 0)).toBeCloseTo(164.0625, 10);
    expect(P(0, 4)).toBeCloseTo(39.0625, 10);
    expect(P(4, 0)).toBeCloseTo(39.0625, 10);
    expect(P(4, 4)).toBeCloseTo(39.453125, 10);
    // aspect: 1e-4 + 1e-10 + (1e-2)² = 2.000001e-4
    expect(P(2, 2)).toBeCloseTo(2.000001e-4, 15);
    expect(P(0, 1)).toBe(0);
  });

  it('predict moves the mean by its velocity', () => {
    const moving = { mean: Float64Array.from([10, 20, 1, 40, 2, -3, 0, 1]), covariance: start.covariance };
    expect(Array.from(filter.predict(moving).mean)).toEqual([12, 17, 1, 41, 2, -3, 0, 1]);
  });

  it('update: gain K_x = 164.0625 / 189.0625, K_vx = 39.0625 / 189.0625 for a measurement 10 px to the right', () => {
    const predicted = filter.predict(start);
    const updated = filter.update(predicted, [60, 60, 0.5, 100]);
    const S = 164.0625 + 25; // P_xx + (h/20)²
    expect(updated.mean[0]).toBeCloseTo(50 + (164.0625 / S) * 10, 10); // 58.677685...
    expect(updated.mean[4]).toBeCloseTo((39.0625 / S) * 10, 10); // 2.066115...
    expect(updated.mean[0]).toBeCloseTo(58.67768595, 7);
    // Covariance: P − K S Kᵀ per block: P_xx (1 − K_x) = 164.0625 · 25 / 189.0625
    expect(updated.covariance[0]).toBeCloseTo((164.0625 * 25) / S, 9);
    expect(updated.covariance[4 * 8 + 4]).toBeCloseTo(39.453125 - (39.0625 * 39.0625) / S, 9);
    // Unmoved coordinates keep their mean.
    expect(updated.mean[1]).toBeCloseTo(60, 12);
    expect(updated.mean[3]).toBeCloseTo(100, 12);
  });

  it('update of the aspect ratio: innovation 0.1, gain 2.000001e-4 / (2.000001e-4 + 1e-2)', () => {
    const updated = filter.update(filter.predict(start), [50, 60, 0.6, 100]);
    const p = 2.000001e-4;
    expect(updated.mean[2]).toBeCloseTo(0.5 + (p / (p + 1e-2)) * 0.1, 12);
  });
});
