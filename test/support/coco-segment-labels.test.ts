import { beforeAll, describe, expect, it } from 'vitest';
import { loadCoco32Segments, parseYoloSegmentLabels, type SegmentLabelledImage } from './coco-segment-labels.js';
import { describeWithFixtures, fixturePath } from './fixtures.js';

describe('parseYoloSegmentLabels', () => {
  it('reads a polygon in pixels, its extent and its mask', () => {
    // On a 100 x 50 image: (0.1, 0.2) (0.5, 0.2) (0.5, 0.6) → (10, 10) (50, 10) (50, 30), a right triangle of
    // area 40 · 20 / 2 = 400. Pixel rows y = 10 + j (centre 10.5 + j) run from x = 11 + 2j to 49: 39 - 2j pixels,
    // 20 · 39 - 2 · 190 = 400 in all.
    const [instance] = parseYoloSegmentLabels('0 0.1 0.2 0.5 0.2 0.5 0.6\n', 100, 50);
    expect(instance.classId).toBe(0);
    expect(instance.polygon).toEqual([
      [10, 10],
      [50, 10],
      [50, 30],
    ]);
    expect(instance.box).toEqual([10, 10, 50, 30]);
    expect(instance.mask.area).toBe(400);
    // The crop is the pixels whose centres the extent holds (x 10..49, y 10..29); column 10 stays clear.
    expect(instance.mask.rect).toEqual([10, 10, 40, 20]);
  });

  it('accepts CRLF and blank lines, and rejects box labels and odd coordinate counts', () => {
    expect(parseYoloSegmentLabels('\r\n2 0 0 1 0 1 1\r\n\r\n', 10, 10)).toHaveLength(1);
    // A detection label (class cx cy w h) must not pass as a polygon.
    expect(() => parseYoloSegmentLabels('0 0.5 0.5 1 1', 10, 10, 'box.txt')).toThrow(/box\.txt:1/);
    expect(() => parseYoloSegmentLabels('0 0.1 0.1 0.2 0.1 0.2 0.2 0.3', 10, 10)).toThrow(/:1:/);
    expect(() => parseYoloSegmentLabels('0.5 0.1 0.1 0.2 0.1 0.2 0.2', 10, 10)).toThrow();
  });
});

describeWithFixtures('loadCoco32Segments on fixtures/coco32', ['coco32/images', 'coco32/labels', 'coco32/seg-labels'], () => {
  let images: SegmentLabelledImage[];
  beforeAll(async () => {
    images = await loadCoco32Segments(fixturePath('coco32'));
  });

  it('has the 209 instances in 43 classes that PROVENANCE.md states', () => {
    expect(images).toHaveLength(32);
    const instances = images.flatMap((image) => image.instances);
    expect(instances).toHaveLength(209);
    expect(new Set(instances.map((i) => i.classId)).size).toBe(43);
  });

  it('lists each image’s instances in the order of its box labels, extents equal to the boxes within 1e-3 px', () => {
    // PROVENANCE.md: "their extents equal the box labels to 1e-3 px".
    for (const image of images) {
      expect(image.instances.map((i) => i.classId)).toEqual(image.groundTruth.map((g) => g.classId));
      image.instances.forEach((instance, k) => {
        for (let c = 0; c < 4; c++) expect(Math.abs(instance.box[c] - image.groundTruth[k].box[c])).toBeLessThan(1e-3);
      });
    }
  });

  it('converts a hand-checked vertex of 000000000009 to pixels', () => {
    // seg-labels/000000000009.txt, first line: "45 0.782016 0.986521 ..." on 640 x 480 → (500.49024, 473.53008).
    const [x, y] = images[0].instances[0].polygon[0];
    expect(images[0].instances[0].classId).toBe(45);
    expect(x).toBeCloseTo(500.49024, 6);
    expect(y).toBeCloseTo(473.53008, 6);
  });

  it('rasterises every instance inside its own extent, never empty', () => {
    for (const image of images) {
      for (const { mask, box } of image.instances) {
        const [x, y, w, h] = mask.rect;
        expect(mask.area).toBeGreaterThan(0);
        expect([mask.imageWidth, mask.imageHeight]).toEqual([image.width, image.height]);
        // Pixel centres inside the polygon lie inside its extent.
        expect(x + 0.5).toBeGreaterThan(box[0]);
        expect(y + 0.5).toBeGreaterThan(box[1]);
        expect(x + w - 0.5).toBeLessThanOrEqual(box[2]);
        expect(y + h - 0.5).toBeLessThanOrEqual(box[3]);
      }
    }
  });
});
