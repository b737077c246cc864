import { COCO_KEYPOINT_SKELETON } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { KEYPOINT_RADIUS, keypointDrawer, keypointSvg } from './keypoint-drawer.js';
import { classColour, KEYPOINT_COLOURS, LIMB_COLOURS } from './palette.js';

const person = { box: [0, 0, 100, 100] as [number, number, number, number], confidence: 0.9, classId: 0, className: 'person' };

/** 17 COCO keypoints, all hidden (visibility 0.1) except those given. */
function coco(visible: Record<number, [number, number, number]>): number[][] {
  return Array.from({ length: 17 }, (_, k) => visible[k] ?? [50, 50, 0.1]);
}

const circles = (svg: string) => [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="(\d+)" fill="(#\w+)"\/>/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), m[4]]);
const lines = (svg: string) => [...svg.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" stroke="(#\w+)"\/>/g)].map((m) => [...m.slice(1, 5).map(Number), m[5]]);

describe('keypointSvg', () => {
  it("dots keypoints of visibility 0.25 and up at whole-pixel centres in COCO's colours, and joins them", () => {
    // Left shoulder (5) and left hip (11), joined by a torso limb; the nose (0) below the threshold.
    const keypoints = coco({ 0: [30, 10, 0.24], 5: [20.7, 30.2, 0.25], 11: [22, 70.9, 0.8] });
    const svg = keypointSvg({ width: 200, height: 100, detections: [{ ...person, keypoints }], skeleton: COCO_KEYPOINT_SKELETON })!;
    expect(circles(svg)).toEqual([
      [20.5, 30.5, KEYPOINT_RADIUS, KEYPOINT_COLOURS[5]],
      [22.5, 70.5, KEYPOINT_RADIUS, KEYPOINT_COLOURS[11]],
    ]);
    const limb = COCO_KEYPOINT_SKELETON.findIndex(([a, b]) => a === 5 && b === 11);
    expect(lines(svg)).toEqual([[20.5, 30.5, 22.5, 70.5, LIMB_COLOURS[limb]]]);
    // Limbs are ceil(lw / 2) wide: lw = max(round(150 × 0.003), 2) = 2 here.
    expect(svg).toContain('stroke-width="1"');
  });

  it('leaves out keypoints at x or y = 0 (where a model puts what it did not find) and their limbs', () => {
    const keypoints = coco({ 5: [0, 30, 0.9], 11: [22, 70, 0.9], 12: [40, 70, 0.9] });
    const svg = keypointSvg({ width: 200, height: 100, detections: [{ ...person, keypoints }], skeleton: COCO_KEYPOINT_SKELETON })!;
    expect(circles(svg).map((c) => c.slice(0, 2))).toEqual([
      [22.5, 70.5],
      [40.5, 70.5],
    ]);
    expect(lines(svg)).toHaveLength(1); // hip to hip only
  });

  it('draws every keypoint of a model without visibility, in the class palette when not 17', () => {
    const keypoints = [
      [10, 10],
      [20, 20],
      [30, 30],
    ];
    const svg = keypointSvg({ width: 100, height: 100, detections: [{ ...person, keypoints }], skeleton: [[0, 2]] })!;
    expect(circles(svg).map((c) => c[3])).toEqual([classColour(0), classColour(1), classColour(2)]);
    expect(lines(svg)).toEqual([[10.5, 10.5, 30.5, 30.5, classColour(0)]]);
  });

  it('draws the most confident person last (on top)', () => {
    const first = { ...person, confidence: 0.9, keypoints: coco({ 0: [10, 10, 0.9] }) };
    const second = { ...person, confidence: 0.6, keypoints: coco({ 0: [60, 60, 0.9] }) };
    const svg = keypointSvg({ width: 100, height: 100, detections: [first, second] })!;
    expect(circles(svg).map((c) => c[0])).toEqual([60.5, 10.5]);
  });

  it('gives nothing to draw for a result without visible keypoints', () => {
    expect(keypointSvg({ width: 100, height: 100, detections: [person] })).toBeUndefined();
    expect(keypointSvg({ width: 100, height: 100, detections: [{ ...person, keypoints: coco({}) }] })).toBeUndefined();
    expect(keypointDrawer.layers({ width: 100, height: 100, detections: [person] })).toEqual([]);
  });
});
