import { describe, expect, it } from 'vitest';
import { probiou } from './probiou.js';
import { rotatedNonMaxSuppression } from './rotated-nms.js';

type Row = [cx: number, cy: number, w: number, h: number, angle: number, score: number, classId?: number];

function nms(rows: Row[], iou: number, options: { agnostic?: boolean; maxDet?: number } = {}): number[] {
  const boxes = new Float64Array(rows.flatMap((r) => [r[0], r[1], r[2], r[3], r[4]]));
  const candidates = { count: rows.length, scores: Float32Array.from(rows.map((r) => r[5])), classIds: Int32Array.from(rows.map((r) => r[6] ?? 0)) };
  return rotatedNonMaxSuppression(boxes, candidates, { iou, maxDet: options.maxDet ?? 300, agnostic: options.agnostic ?? false });
}

const asBox = (r: Row) => ({ cx: r[0], cy: r[1], w: r[2], h: r[3], angle: r[4] });

describe('rotatedNonMaxSuppression (Ultralytics fast-NMS with probiou)', () => {
  it('drops a box overlapped by any higher-scoring box, even one that was itself dropped', () => {
    // Three 12-px squares 6 px apart: probiou(A, B) = probiou(B, C) = 0.4408 (Σ = 24·I, B = 0.375) and
    // probiou(A, C) = 1 − √(1 − e^(−1.5)) = 0.1186. At iou 0.4 greedy NMS keeps A and C; Ultralytics' fast-NMS
    // (`(triu(ious) >= iou).sum(0) <= 0`) also drops C, because B scored above it.
    const rows: Row[] = [
      [0, 0, 12, 12, 0, 0.9],
      [6, 0, 12, 12, 0, 0.8],
      [12, 0, 12, 12, 0, 0.7],
    ];
    expect(probiou(asBox(rows[0]), asBox(rows[2]))).toBeCloseTo(1 - Math.sqrt(1 - Math.exp(-1.5) + 1e-7), 7);
    expect(nms(rows, 0.4)).toEqual([0]);
    // Above 0.4408 nothing suppresses anything.
    expect(nms(rows, 0.45)).toEqual([0, 1, 2]);
  });

  it('suppresses at probiou >= iou (not only above)', () => {
    const rows: Row[] = [
      [0, 0, 12, 12, 0, 0.9],
      [6, 0, 12, 12, 0, 0.8],
    ];
    const overlap = probiou(asBox(rows[0]), asBox(rows[1]));
    expect(overlap).toBeCloseTo(0.4407944, 6);
    expect(nms(rows, overlap)).toEqual([0]);
    expect(nms(rows, overlap + 1e-9)).toEqual([0, 1]);
  });

  it('sorts by score (ties by index) and keeps at most maxDet', () => {
    const rows: Row[] = [
      [0, 0, 10, 10, 0, 0.5],
      [100, 0, 10, 10, 0, 0.9],
      [200, 0, 10, 10, 0, 0.5],
      [300, 0, 10, 10, 0, 0.7],
    ];
    expect(nms(rows, 0.7)).toEqual([1, 3, 0, 2]);
    expect(nms(rows, 0.7, { maxDet: 2 })).toEqual([1, 3]);
  });

  it('compares boxes of one class only, unless agnostic', () => {
    const rows: Row[] = [
      [50, 50, 20, 10, 0.2, 0.9, 0],
      [51, 50, 20, 10, 0.25, 0.8, 1],
    ];
    expect(nms(rows, 0.7)).toEqual([0, 1]);
    expect(nms(rows, 0.7, { agnostic: true })).toEqual([0]);
  });

  it('near-square boxes suppress each other whatever their angles', () => {
    // 10 × 10.2 at 0 and at 0.7 rad: probiou 0.991 (see probiou.test.ts).
    expect(nms([[50, 50, 10, 10.2, 0, 0.9], [50, 50, 10, 10.2, 0.7, 0.8]], 0.7)).toEqual([0]);
  });

  it('boxes across the ±π/4 boundary of the OBB head suppress as the one orientation they are', () => {
    // −π/4 + 0.01 and 3π/4 − 0.01: 0.02 rad apart modulo π, probiou 0.966; the angle that is numerically close,
    // π/4 − 0.01, is a different orientation (probiou 0.216) and stays.
    const low: Row = [30, 30, 20, 4, -Math.PI / 4 + 0.01, 0.9];
    expect(nms([low, [30, 30, 20, 4, (3 * Math.PI) / 4 - 0.01, 0.8]], 0.7)).toEqual([0]);
    expect(nms([low, [30, 30, 20, 4, Math.PI / 4 - 0.01, 0.8]], 0.7)).toEqual([0, 1]);
  });

  it('matches the plain all-pairs rule on random crowded scenes (the distance bound skips no suppressing pair)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let suppressed = 0;
    for (let scene = 0; scene < 20; scene++) {
      const rows: Row[] = Array.from({ length: 150 }, () => [
        random() * 200,
        random() * 200,
        1 + random() * 60,
        0.5 + random() * 30,
        random() * 4 - 1,
        random(),
        Math.floor(random() * 3),
      ]);
      const iou = [0.1, 0.45, 0.7, 0.9][scene % 4];
      const order = rows.map((_, i) => i).sort((a, b) => Math.fround(rows[b][5]) - Math.fround(rows[a][5]) || a - b);
      const expected = order.filter((j, position) =>
        order.slice(0, position).every((i) => rows[i][6] !== rows[j][6] || probiou(asBox(rows[i]), asBox(rows[j])) < iou),
      );
      expect(nms(rows, iou)).toEqual(expected);
      suppressed += rows.length - expected.length;
    }
    // The scenes are crowded enough for suppression to matter (380 of 3000 boxes go).
    expect(suppressed).toBe(380);
  });
});
