import { describe, expect, it } from 'vitest';
import { boxCovariance, probiou } from './probiou.js';

// Expected values derived by hand from Ultralytics' formula (utils/metrics.py, batch_probiou; eps = 1e-7):
// covariance per box [a, b, c] = rotated diag(w²/12, h²/12); with Σ = Σ1 + Σ2 and d = centre difference,
// B = ΔᵀΣ⁻¹Δ / 4 + ½ ln(det Σ / (4 √(det Σ1 det Σ2))), clamped to [eps, 100]; probiou = 1 − √(1 − e^(−B) + eps).
const box = (cx: number, cy: number, w: number, h: number, angle: number) => ({ cx, cy, w, h, angle });

describe('probiou', () => {
  it('identical boxes: B clamps to eps, so 1 − √(1 − e^(−1e−7) + 1e−7), not 1', () => {
    const expected = 1 - Math.sqrt(1 - Math.exp(-1e-7) + 1e-7); // 0.99955279
    expect(probiou(box(10, 20, 8, 4, 0.3), box(10, 20, 8, 4, 0.3))).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.9995527864, 10);
  });

  it('concentric squares 12 and 6: Σ = 15·I, B = ½ ln(225 / (4·√(144·9))) = ln 1.25, so 1 − √(1 − 0.8)', () => {
    // Σ1 = 12·I (144/12), Σ2 = 3·I; no centre term; det Σ = 225, √(det Σ1 det Σ2) = 36.
    expect(probiou(box(0, 0, 12, 12, 0), box(0, 0, 6, 6, 0))).toBeCloseTo(1 - Math.sqrt(0.2 + 1e-7), 7);
    expect(probiou(box(0, 0, 12, 12, 0), box(0, 0, 6, 6, 0))).toBeCloseTo(0.5527863, 6);
  });

  it('two 12-px squares 6 px apart: Σ = 24·I, B = 36/24/4 = 0.375, so 1 − √(1 − e^(−0.375))', () => {
    expect(probiou(box(0, 0, 12, 12, 0), box(6, 0, 12, 12, 0))).toBeCloseTo(1 - Math.sqrt(1 - Math.exp(-0.375) + 1e-7), 7);
    expect(probiou(box(0, 0, 12, 12, 0), box(6, 0, 12, 12, 0))).toBeCloseTo(0.4407944, 6);
    // The same pair along y, and rotated squares: a square's covariance does not depend on its angle.
    expect(probiou(box(0, 0, 12, 12, 0.4), box(0, 6, 12, 12, 1.1))).toBeCloseTo(0.4407944, 6);
  });

  it('is the same for either description of a box (w, h, θ) and (h, w, θ + π/2)', () => {
    expect(boxCovariance(8, 2, 0)[0]).toBeCloseTo(boxCovariance(2, 8, Math.PI / 2)[0], 12);
    expect(probiou(box(5, 5, 8, 2, 0), box(5, 5, 2, 8, Math.PI / 2))).toBeCloseTo(0.9995527864, 9);
  });

  it('near-square boxes: the angle hardly matters (10 × 10.2 turned by 0.7 rad still 0.991)', () => {
    // Σ1 = diag(8.3333, 8.6700); turned by 0.7 rad the c term is (a − b)·cos·sin = −0.1659: almost the same
    // Gaussian, so the boxes overlap as one although their angles disagree.
    expect(probiou(box(50, 50, 10, 10.2, 0), box(50, 50, 10, 10.2, 0.7))).toBeCloseTo(0.9909710, 6);
  });

  it('angles across the ±π/4 boundary of the OBB head: −π/4 + 0.01 and 3π/4 − 0.01 are 0.02 rad apart', () => {
    // The head maps angles to [−π/4, 3π/4): these two are the same orientation up to π (0.02 rad apart) and
    // overlap at 0.966; −π/4 + 0.01 and π/4 − 0.01, numerically closer, are 1.55 rad apart and overlap at 0.216.
    expect(probiou(box(30, 30, 20, 4, -Math.PI / 4 + 0.01), box(30, 30, 20, 4, (3 * Math.PI) / 4 - 0.01))).toBeCloseTo(0.9660882, 6);
    expect(probiou(box(30, 30, 20, 4, -Math.PI / 4 + 0.01), box(30, 30, 20, 4, Math.PI / 4 - 0.01))).toBeCloseTo(0.2155772, 6);
    // A quarter turn of a 5:1 box: the cross.
    expect(probiou(box(30, 30, 20, 4, 0), box(30, 30, 20, 4, Math.PI / 2))).toBeCloseTo(0.2155354, 6);
  });

  it('boxes far apart: B clamps to 100, 1 − √(1 + eps − e^(−100)) ≈ −5e−8', () => {
    expect(probiou(box(0, 0, 10, 10, 0), box(100, 0, 10, 10, 0))).toBeCloseTo(1 - Math.sqrt(1 + 1e-7), 15);
  });

  it('is symmetric', () => {
    const a = box(3, 4, 9, 5, 0.2);
    const b = box(6, 2, 7, 6, 1.3);
    expect(probiou(a, b)).toBeCloseTo(probiou(b, a), 14);
  });
});
