import { createHash } from 'node:crypto';
import { orientedBoxBounds } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { generateRotatedScene, insideRotated, OBB_CLASS_NAMES } from './generate-rotated-scene.js';

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('generateRotatedScene', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(sha(generateRotatedScene(5).data)).toBe(sha(generateRotatedScene(5).data));
    expect(generateRotatedScene(5).objects).toEqual(generateRotatedScene(5).objects);
    expect(new Set(Array.from({ length: 10 }, (_, seed) => sha(generateRotatedScene(seed, { size: 64 }).data))).size).toBe(10);
  });

  it('gives regularised oriented boxes (angle in [0, π/2)) inside the image, elongated, with their extent', () => {
    let objects = 0;
    const classes = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const scene = generateRotatedScene(seed);
      expect([scene.width, scene.height, scene.channels, scene.data.length]).toEqual([160, 160, 3, 160 * 160 * 3]);
      for (const o of scene.objects) {
        objects++;
        classes.add(o.className);
        expect(o.className).toBe(OBB_CLASS_NAMES[o.classId]);
        expect(o.obb.angle).toBeGreaterThanOrEqual(0);
        expect(o.obb.angle).toBeLessThan(Math.PI / 2);
        const [long, short] = [Math.max(o.obb.w, o.obb.h), Math.min(o.obb.w, o.obb.h)];
        expect(long / short).toBeGreaterThanOrEqual(1.5 - 1e-9);
        expect(long / short).toBeLessThanOrEqual(3 + 1e-9);
        expect(o.box.map((v) => Number(v.toFixed(9)))).toEqual(orientedBoxBounds(o.obb).map((v) => Number(v.toFixed(9))));
        expect(Math.min(...o.box)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...o.box)).toBeLessThanOrEqual(159);
      }
    }
    expect(objects).toBeGreaterThan(80);
    expect([...classes].sort()).toEqual([...OBB_CLASS_NAMES].sort());
  });

  it("paints each shape inside its oriented box: the box's centre pixel differs from the background, its extent's corners not", () => {
    // A rectangle fills its box; take the rectangles, whose centre and far-off extent corners tell apart.
    for (let seed = 0; seed < 20; seed++) {
      const scene = generateRotatedScene(seed);
      for (const o of scene.objects.filter((x) => x.classId === 0)) {
        const inside = insideRotated(0, o.obb);
        const [x1, y1, x2, y2] = o.box;
        const corner = [x1 + 0.5, y1 + 0.5];
        // For a turned rectangle the extent's corner is outside it; for an upright one it is inside.
        const turned = o.obb.angle > 0.2 && o.obb.angle < Math.PI / 2 - 0.2;
        expect(inside(o.obb.cx, o.obb.cy)).toBe(true);
        if (turned) expect(inside(corner[0], corner[1])).toBe(false);
        expect(inside(x2 + 1, y2 + 1)).toBe(false);
      }
    }
  });

  it('tells a triangle from its oriented box: its base at −w/2, its apex at +w/2', () => {
    const box = { cx: 0, cy: 0, w: 10, h: 4, angle: 0 };
    const inside = insideRotated(2, box);
    expect(inside(-4.9, 1.9)).toBe(true);
    expect(inside(4.9, 1.9)).toBe(false);
    expect(inside(4.9, 0)).toBe(true);
    expect(inside(0, 1)).toBe(true);
    expect(inside(0, 1.1)).toBe(false);
  });
});
