import { describe, expect, it } from 'vitest';
import { letterboxGeometry } from './letterbox.js';
import { orientedBoxBounds, orientedBoxCorners, regularizeOrientedBox, unletterboxOrientedBox } from './oriented-box.js';

const box = (cx: number, cy: number, w: number, h: number, angle: number) => ({ cx, cy, w, h, angle });

function expectBox(actual: { cx: number; cy: number; w: number; h: number; angle: number }, expected: typeof actual): void {
  for (const key of ['cx', 'cy', 'w', 'h', 'angle'] as const) expect(actual[key], key).toBeCloseTo(expected[key], 10);
}

describe('regularizeOrientedBox (regularize_rboxes)', () => {
  it('keeps angles in [0, π/2) as they are', () => {
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, 0.5)), box(1, 2, 8, 4, 0.5));
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, 0)), box(1, 2, 8, 4, 0));
  });

  it('swaps the sides for angles in [π/2, π) modulo π, and takes the angle modulo π/2', () => {
    // 2 rad: 2 mod π = 2 ≥ π/2, swap; 2 mod π/2 = 2 − π/2 = 0.4292.
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, 2)), box(1, 2, 4, 8, 2 - Math.PI / 2));
    // The head's lower end: −π/4 + 0.1 mod π = 3π/4 + 0.1 ≥ π/2, swap; mod π/2 = π/4 + 0.1.
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, -Math.PI / 4 + 0.1)), box(1, 2, 4, 8, Math.PI / 4 + 0.1));
    // Just under the head's upper end 3π/4: swap, π/4 − 0.001.
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, (3 * Math.PI) / 4 - 0.001)), box(1, 2, 4, 8, Math.PI / 4 - 0.001));
    // A whole turn and a bit: 2π + 0.2 mod π = 0.2, no swap.
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, 2 * Math.PI + 0.2)), box(1, 2, 8, 4, 0.2));
    // Negative beyond a half turn (end-to-end heads give raw angles): −2 mod π = π − 2 = 1.1416 < π/2, no swap.
    expectBox(regularizeOrientedBox(box(1, 2, 8, 4, -2)), box(1, 2, 8, 4, Math.PI - 2));
  });

  it('gives 0 (not π/2) for a tiny negative angle, and leaves the corners where they were', () => {
    const r = regularizeOrientedBox(box(10, 10, 8, 4, -1e-20));
    expectBox(r, box(10, 10, 8, 4, 0));
    const before = box(3, 5, 9, 2, 2.5);
    const corners = orientedBoxCorners(regularizeOrientedBox(before)).map(([x, y]) => `${x.toFixed(6)},${y.toFixed(6)}`).sort();
    expect(corners).toEqual(orientedBoxCorners(before).map(([x, y]) => `${x.toFixed(6)},${y.toFixed(6)}`).sort());
  });
});

describe('orientedBoxCorners and orientedBoxBounds (xywhr2xyxyxyxy, OBB.xyxy)', () => {
  it('lists the corners as Ultralytics does, and their extent', () => {
    // cos 0.3 = 0.9553365, sin 0.3 = 0.2955202; v1 = 20·(cos, sin) = (19.106730, 5.910404),
    // v2 = 10·(−sin, cos) = (−2.955202, 9.553365); corners c+v1+v2, c+v1−v2, c−v1−v2, c−v1+v2 around (64, 32).
    const corners = orientedBoxCorners(box(64, 32, 40, 20, 0.3));
    const expected = [
      [80.151528, 47.463769],
      [86.061932, 28.357039],
      [47.848472, 16.536231],
      [41.938068, 35.642961],
    ];
    corners.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(expected[k][0], 5);
      expect(y).toBeCloseTo(expected[k][1], 5);
    });
    const bounds = orientedBoxBounds(box(64, 32, 40, 20, 0.3));
    [41.938068, 16.536231, 86.061932, 47.463769].forEach((v, k) => {
      expect(bounds[k]).toBeCloseTo(v, 5);
    });
  });

  it('an axis-aligned box is its own extent', () => {
    expect(orientedBoxBounds(box(10, 20, 8, 4, 0))).toEqual([6, 18, 14, 22]);
  });
});

describe('unletterboxOrientedBox (scale_boxes xywh=True)', () => {
  it('takes the padding off the centre, divides lengths by the scale, keeps the angle, clips nothing', () => {
    // 128x64 into 64x64: scale 0.5, resized 64x32, top 16.
    const geometry = letterboxGeometry(128, 64, 64, 64);
    expect([geometry.scale, geometry.left, geometry.top]).toEqual([0.5, 0, 16]);
    expectBox(unletterboxOrientedBox(geometry, box(32, 32, 20, 10, 0.3)), box(64, 32, 40, 20, 0.3));
    // A box reaching into the padding keeps its size: cy = (4 − 16)/0.5 = −24.
    expectBox(unletterboxOrientedBox(geometry, box(2, 4, 30, 6, 1)), box(4, -24, 60, 12, 1));
  });
});
