import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COCO_KEYPOINT_SKELETON, Detection, Keypoints, Mask, orientedBoxBounds, Result } from '@yolokit/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotateImage, DEFAULT_DRAWERS } from './annotate-image.js';
import { MASK_ALPHA } from './mask-drawer.js';
import { classColour, KEYPOINT_COLOURS, LIMB_COLOURS, rgbOf } from './palette.js';
import { TOP_CLASSES_BACKGROUND } from './top-classes-drawer.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'yolokit-annotate-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const person = { box: [20, 30, 60, 90] as [number, number, number, number], confidence: 0.912, classId: 0, className: 'person' };

describe('annotateImage', () => {
  it('writes the image at its size and format with the box drawn', async () => {
    const source = join(root, 'grey.png');
    await sharp({ create: { width: 120, height: 100, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(source);
    const written = await annotateImage(source, { width: 120, height: 100, detections: [person] }, join(root, 'out.png'));
    expect(written).toBe(join(root, 'out.png'));
    const { data, info } = await sharp(written).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, (await sharp(written).metadata()).format]).toEqual([120, 100, 'png']);
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(at(20, 60)).toEqual([0x04, 0x2a, 0xff]); // left edge of the box: the person colour
    expect(at(40, 60)).toEqual([128, 128, 128]); // inside the box: untouched
    expect(at(110, 95)).toEqual([128, 128, 128]); // far from it: untouched
  });

  it('draws in oriented pixels for an EXIF-rotated JPEG', async () => {
    // Stored 100 wide x 60 high with orientation 6 (rotate 90° clockwise): shown 60 wide x 100 high.
    const source = join(root, 'rotated.jpg');
    await sharp({ create: { width: 100, height: 60, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(source);
    const written = await annotateImage(source, { width: 60, height: 100, detections: [{ ...person, box: [5, 40, 55, 95] }] }, join(root, 'rotated-out.jpg'));
    const metadata = await sharp(written).metadata();
    expect([metadata.width, metadata.height, metadata.format]).toEqual([60, 100, 'jpeg']);
  });
});

/** A plain grey PNG, `width × height`. */
async function greyImage(name: string, width: number, height: number): Promise<string> {
  const path = join(root, name);
  await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(path);
  return path;
}

/** The RGB of each pixel of a written image. */
async function pixelsOf(path: string): Promise<(x: number, y: number) => number[]> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return (x, y) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
}

/** `colour` over grey 128 at the alpha an 8-bit layer can hold. */
function blendOnGrey(colour: string, alpha: number): number[] {
  const a = Math.round(alpha * 255) / 255;
  return rgbOf(colour).map((c) => 128 * (1 - a) + c * a);
}

function expectClose(actual: number[], expected: number[], tolerance = 1): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, v] of actual.entries()) {
    expect(Math.abs(v - expected[i]), `channel ${i}: ${actual} against ${expected.map((e) => e.toFixed(1))}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('annotateImage with the drawers of every task', () => {
  it('draws masks, boxes (upright, then turned), keypoints and top classes, in that order', () => {
    expect(DEFAULT_DRAWERS.map((drawer) => drawer.name)).toEqual(['masks', 'boxes', 'oriented boxes', 'keypoints', 'top classes']);
  });

  it('draws an oriented box turned: its edges in the class colour, the corners of its extent untouched', async () => {
    // A 60×20 box turned 45° around (60, 50): corners (74.1, 78.3), (88.3, 64.1), (45.9, 21.7), (31.7, 35.9);
    // its extent is 31.7..88.3 × 21.7..78.3.
    const obb = { cx: 60, cy: 50, w: 60, h: 20, angle: Math.PI / 4 };
    const result = new Result({
      width: 120,
      height: 100,
      task: 'obb',
      detections: [new Detection(orientedBoxBounds(obb), 0.9, 2, 'ship', 120, 100, { obb })],
      speed: { preprocess: 0, inference: 0, postprocess: 0 },
    });
    const at = await pixelsOf(await annotateImage(await greyImage('obb.png', 120, 100), result, join(root, 'obb-out.png')));
    const colour = rgbOf(classColour(2));
    // The middle of the long edge from (88.3, 64.1) to (45.9, 21.7): (67.1, 42.9), h/2 = 10 from the centre.
    expectClose(at(67, 43), colour, 40);
    // The centre, and the corners of the extent (inside an upright box, outside the turned one), stay gray.
    expect(at(60, 50)).toEqual([128, 128, 128]);
    expect(at(35, 74)).toEqual([128, 128, 128]);
    expect(at(85, 25)).toEqual([128, 128, 128]);
  });

  it("writes a classifier's top classes on a translucent gray box in the top-left corner", async () => {
    const result = new Result({
      width: 200,
      height: 100,
      task: 'classify',
      detections: [],
      probs: Float32Array.from([0.1, 0.9]),
      top5: [
        { classId: 1, className: 'square', confidence: 0.9 },
        { classId: 0, className: 'circle', confidence: 0.1 },
      ],
      speed: { preprocess: 0, inference: 0, postprocess: 0 },
    });
    const at = await pixelsOf(await annotateImage(await greyImage('cls.png', 200, 100), result, join(root, 'cls-out.png')));
    // round(0.03 × 100) = 3: the box starts at (3, 3); gray 64 at half opacity over 128 is 96.
    expect(TOP_CLASSES_BACKGROUND).toBe('rgba(64,64,64,0.5)');
    expectClose(at(4, 4), [96, 96, 96], 1);
    expect(at(2, 2)).toEqual([128, 128, 128]);
    expect(at(150, 80)).toEqual([128, 128, 128]);
    // Somewhere on the first line there is white text.
    const row = Array.from({ length: 60 }, (_, x) => at(x + 5, 10));
    expect(row.some(([r, g, b]) => r > 200 && g > 200 && b > 200)).toBe(true);
  });

  it("blends a mask's pixels with its class colour at MASK_ALPHA and leaves the rest of its box alone", async () => {
    // A bus (class 5) whose box is 20..100 × 20..90 and whose mask is the block 30..69 × 30..59 inside it.
    const bitmap = new Uint8Array(40 * 30).fill(1);
    const mask = Mask.fromBitmap(bitmap, 120, 100, [30, 30, 40, 30]);
    const result = new Result({
      width: 120,
      height: 100,
      task: 'segment',
      detections: [new Detection([20, 20, 100, 90], 0.9, 5, 'bus', 120, 100, { mask })],
      speed: { preprocess: 0, inference: 0, postprocess: 0 },
    });
    const at = await pixelsOf(await annotateImage(await greyImage('seg.png', 120, 100), result, join(root, 'seg-out.png')));
    const blended = blendOnGrey(classColour(5), MASK_ALPHA);
    for (const [x, y] of [[30, 30], [50, 45], [69, 59]]) expectClose(at(x, y), blended);
    expect(at(70, 45)).toEqual([128, 128, 128]); // right of the mask, inside the box
    expect(at(50, 62)).toEqual([128, 128, 128]); // below the mask, inside the box
    expect(at(110, 95)).toEqual([128, 128, 128]); // outside the box
    expect(at(20, 50)).toEqual(rgbOf(classColour(5))); // the box's left edge, over nothing: its colour
  });

  it('draws the same from a Result and from its JSON (the mask as RLE)', async () => {
    const bitmap = new Uint8Array(120 * 100);
    for (let y = 40; y < 80; y++) for (let x = 10 + (y % 7); x < 90; x++) bitmap[y * 120 + x] = 1;
    const mask = Mask.fromBitmap(bitmap, 120, 100);
    const result = new Result({
      width: 120,
      height: 100,
      task: 'segment',
      detections: [new Detection([8, 38, 92, 82], 0.8, 0, 'person', 120, 100, { mask })],
      speed: { preprocess: 0, inference: 0, postprocess: 0 },
    });
    const source = await greyImage('seg-json.png', 120, 100);
    const fromResult = await sharp(await annotateImage(source, result, join(root, 'seg-result.png'))).raw().toBuffer();
    const fromJson = await sharp(await annotateImage(source, result.toJSON(), join(root, 'seg-json-out.png'))).raw().toBuffer();
    expect(fromJson.equals(fromResult)).toBe(true);
  });

  it('dots visible keypoints, joins them with limbs in their colours, and skips keypoints below 0.25', async () => {
    // 17 COCO keypoints, all hidden but the left shoulder (5) at (40, 50) and the left hip (11) at (160, 50),
    // which the skeleton joins (limb [5, 11], a torso limb); the nose (0) has 0.2 and must not show.
    const points = Array.from({ length: 17 }, () => [100, 80, 0.1]);
    points[0] = [100, 20, 0.2];
    points[5] = [40.6, 50.2, 0.9];
    points[11] = [160.3, 50.9, 0.6];
    const result = new Result({
      width: 200,
      height: 100,
      task: 'pose',
      skeleton: COCO_KEYPOINT_SKELETON,
      detections: [new Detection([30, 40, 170, 60], 0.9, 0, 'person', 200, 100, { keypoints: Keypoints.fromJSON(points) })],
      speed: { preprocess: 0, inference: 0, postprocess: 0 },
    });
    const at = await pixelsOf(await annotateImage(await greyImage('pose.png', 200, 100), result, join(root, 'pose-out.png')));
    const limb = COCO_KEYPOINT_SKELETON.findIndex(([a, b]) => a === 5 && b === 11);
    expect(rgbOf(LIMB_COLOURS[limb])).not.toEqual(rgbOf(KEYPOINT_COLOURS[5]));
    // Along the limb (row 50, whole pixels as OpenCV draws it): the limb's colour.
    for (const x of [60, 100, 140]) expectClose(at(x, 50), rgbOf(LIMB_COLOURS[limb]));
    expect(at(100, 47)).toEqual([128, 128, 128]); // beside the 1-pixel line
    // The dots, radius 5, under the limb: above the line, their keypoint's colour.
    expectClose(at(40, 47), rgbOf(KEYPOINT_COLOURS[5]));
    expectClose(at(160, 47), rgbOf(KEYPOINT_COLOURS[11]));
    expect(at(40, 43)).toEqual([128, 128, 128]); // 7 pixels above the shoulder: outside its dot
    expect(at(100, 20)).toEqual([128, 128, 128]); // the nose, visibility 0.2
    expect(at(100, 80)).toEqual([128, 128, 128]); // the hidden keypoints
  });
});
