import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LabelledImage, loadCoco32, parseYoloLabels } from './coco-labels.js';
import { describeWithFixtures, fixturePath } from './fixtures.js';

describeWithFixtures('loadCoco32 on fixtures/coco32', ['coco32/images', 'coco32/labels'], () => {
  let images: LabelledImage[];
  beforeAll(async () => {
    images = await loadCoco32(fixturePath('coco32'));
  });

  it('reads the 32 images, sorted by id', () => {
    // fixtures/PROVENANCE.md: "The first 32 images (sorted by id) of Ultralytics' COCO128 set".
    expect(images).toHaveLength(32);
    const ids = images.map((image) => image.id);
    expect(ids[0]).toBe('000000000009');
    expect(ids.at(-1)).toBe('000000000151');
    expect([...ids].sort()).toEqual(ids);
    expect(images[0].imagePath).toBe(fixturePath('coco32/images/000000000009.jpg'));
  });

  it('has the 209 boxes in 43 classes that PROVENANCE.md states', () => {
    const boxes = images.flatMap((image) => image.groundTruth);
    expect(boxes).toHaveLength(209);
    expect(new Set(boxes.map((b) => b.classId)).size).toBe(43);
  });

  it('reads image sizes from the files', () => {
    // 000000000009 is 640x480 landscape, 000000000036 481x640 portrait (both without EXIF orientation).
    expect(images.find((image) => image.id === '000000000009')).toMatchObject({ width: 640, height: 480 });
    expect(images.find((image) => image.id === '000000000036')).toMatchObject({ width: 481, height: 640 });
  });

  it('converts a hand-checked box of 000000000009 to pixel xyxy', () => {
    // labels/000000000009.txt, first line: "45 0.479492 0.688771 0.955609 0.5955" (class 45 = bowl), image 640x480.
    //   x1 = (0.479492 - 0.955609/2) · 640 = 0.0016875 · 640 = 1.08
    //   y1 = (0.688771 - 0.5955/2)   · 480 = 0.391021  · 480 = 187.69008
    //   x2 = (0.479492 + 0.955609/2) · 640 = 0.9572965 · 640 = 612.66976
    //   y2 = (0.688771 + 0.5955/2)   · 480 = 0.986521  · 480 = 473.53008
    // COCO's own annotation for this bowl is bbox [1.08, 187.69, 611.59, 285.84] (xywh) → x2 612.67, y2 473.53.
    const image = images[0];
    expect(image.groundTruth).toHaveLength(8);
    const first = image.groundTruth[0];
    expect(first.classId).toBe(45);
    expect(first.box[0]).toBeCloseTo(1.08, 6);
    expect(first.box[1]).toBeCloseTo(187.69008, 6);
    expect(first.box[2]).toBeCloseTo(612.66976, 6);
    expect(first.box[3]).toBeCloseTo(473.53008, 6);
  });

  it('keeps every box inside its image (to label rounding) and non-empty', () => {
    for (const image of images) {
      for (const { box } of image.groundTruth) {
        // A few labels poke out by ~1e-7 of the size; 0.01 px is far more than that and far less than a bug.
        expect(box[0]).toBeGreaterThan(-0.01);
        expect(box[1]).toBeGreaterThan(-0.01);
        expect(box[2]).toBeLessThan(image.width + 0.01);
        expect(box[3]).toBeLessThan(image.height + 0.01);
        expect(box[2]).toBeGreaterThan(box[0]);
        expect(box[3]).toBeGreaterThan(box[1]);
      }
    }
  });
});

describe('loadCoco32 on a generated set', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'yolokit-coco-labels-'));
    await mkdir(join(root, 'images'));
    await mkdir(join(root, 'labels'));
    const gray = { width: 40, height: 20, channels: 3 as const, background: { r: 128, g: 128, b: 128 } };
    // Stored 40x20 with EXIF orientation 6 (rotate 90° clockwise to display): displayed 20 wide, 40 high.
    await sharp({ create: gray }).jpeg().withMetadata({ orientation: 6 }).toFile(join(root, 'images', '000002.jpg'));
    await writeFile(join(root, 'labels', '000002.txt'), '1 0.5 0.25 0.5 0.5\n\n');
    // No label file: no boxes.
    await sharp({ create: { ...gray, width: 30, height: 10 } }).jpeg().toFile(join(root, 'images', '000001.jpg'));
    // Not a .jpg: ignored.
    await writeFile(join(root, 'images', 'notes.txt'), 'not an image');
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('sorts by id, treats a missing label file as no boxes and uses the EXIF-oriented size', async () => {
    expect((await sharp(join(root, 'images', '000002.jpg')).metadata()).orientation).toBe(6);
    const images = await loadCoco32(root);
    expect(images.map((image) => image.id)).toEqual(['000001', '000002']);
    expect(images[0]).toMatchObject({ width: 30, height: 10, groundTruth: [] });
    // Displayed 20x40: cx 0.5 · 20 = 10, w 0.5 · 20 = 10 → x 5..15; cy 0.25 · 40 = 10, h 0.5 · 40 = 20 → y 0..20.
    expect(images[1]).toMatchObject({ width: 20, height: 40, groundTruth: [{ classId: 1, box: [5, 0, 15, 20] }] });
  });
});

describe('parseYoloLabels', () => {
  it('accepts CRLF, blank lines and extra spaces', () => {
    expect(parseYoloLabels('  0 0.5 0.5 1 1 \r\n\r\n3\t0.25 0.5 0.5 1\r\n', 100, 50)).toEqual([
      { classId: 0, box: [0, 0, 100, 50] },
      { classId: 3, box: [0, 0, 50, 50] },
    ]);
  });

  it('rejects lines that are not "class cx cy w h"', () => {
    // A segmentation label (class then polygon points) must not pass as a box.
    expect(() => parseYoloLabels('0 0.1 0.1 0.2 0.1 0.2 0.2', 10, 10, 'seg.txt')).toThrow(/seg\.txt:1/);
    expect(() => parseYoloLabels('0 0.5 0.5 1 1\n1.5 0.5 0.5 1 1', 10, 10)).toThrow(/:2:/);
    expect(() => parseYoloLabels('a 0.5 0.5 1 1', 10, 10)).toThrow();
  });
});
