import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { iou } from './support/browser.js';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

/**
 * The task guides' samples (apps/docs/examples/{detect,segment,pose,obb,classify}), run as a reader runs them:
 * in a folder holding the model under the name an export gets (`yolov8n-seg.onnx`, ...) and the photo, with what
 * they print checked and the images they draw read back. The OBB and classify samples use yolokit's own task
 * models and generated pictures, so they need no fixture. `npm run typecheck -w @yolokit/docs` compiles them;
 * this runs them.
 */

const examples = resolve(repoRoot, 'apps/docs/examples');
const FILES = {
  'yolov8n.onnx': 'models/yolov8n_int8.onnx',
  'yolov8n-seg.onnx': 'models/yolov8n-seg_int8.onnx',
  'yolo11n-pose.onnx': 'models/yolo11n-pose_fp32.onnx',
  'bus.jpg': 'images/bus.jpg',
  'zidane.jpg': 'images/zidane.jpg',
} as const;

/** Runs a sample (its top-level code, as `node sample.js` would) and returns what it printed, call by call. */
async function runSample(sample: string): Promise<unknown[][]> {
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args);
  });
  try {
    await import(join(examples, sample));
  } finally {
    log.mockRestore();
  }
  return printed;
}

describeWithFixtures('docs: the task guides\' samples, run', Object.values(FILES), () => {
  const folder = mkdtempSync(join(tmpdir(), 'yolokit-docs-tasks-'));
  const home = process.cwd();

  beforeAll(() => {
    for (const [name, fixture] of Object.entries(FILES)) symlinkSync(fixturePath(fixture), join(folder, name));
    process.chdir(folder);
  });

  afterAll(() => {
    process.chdir(home);
    rmSync(folder, { recursive: true, force: true });
  });

  const run = runSample;

  afterEach(() => vi.restoreAllMocks());

  /** An image the sample drew: the photo's size, and different from the photo. */
  async function expectDrawn(file: string, photo: string, size: [number, number]): Promise<void> {
    const drawn = await sharp(join(folder, file)).raw().toBuffer({ resolveWithObject: true });
    expect([drawn.info.width, drawn.info.height]).toEqual(size);
    const original = await sharp(join(folder, photo)).raw().toBuffer();
    let changed = 0;
    for (let i = 0; i < original.length; i += 3) if (Math.abs(original[i] - drawn.data[i]) + Math.abs(original[i + 1] - drawn.data[i + 1]) > 60) changed += 1;
    expect(changed / (size[0] * size[1])).toBeGreaterThan(0.01);
  }

  it('detect-bus.ts: finds the bus and the persons, prints boxes and the JSON keys, draws them', async () => {
    const lines = await run('detect/detect-bus.ts');
    expect(lines[0]).toEqual(['detect']);
    const found = lines.slice(1).filter((line) => typeof line[0] === 'string' && Array.isArray(line[2]));
    expect(found.map((line) => line[0])).toContain('bus');
    expect(found.filter((line) => line[0] === 'person').length).toBeGreaterThanOrEqual(3);
    for (const [, confidence, xyxy, xywhn] of found) {
      expect(Number(confidence)).toBeGreaterThanOrEqual(0.25);
      expect(xyxy).toHaveLength(4);
      for (const value of xywhn as string[]) expect(Number(value)).toBeLessThanOrEqual(1);
    }
    expect(lines.find((line) => line[0] === 810)).toEqual([810, 1080, found.length, ['box', 'confidence', 'classId', 'className']]);
    await expectDrawn('bus-detected.jpg', 'bus.jpg', [810, 1080]);
  });

  it('segment-bus.ts: a mask per detection, its forms agree (bitmap, RLE, JSON), retina masks, drawn', async () => {
    const lines = await run('segment/segment-bus.ts');
    expect(lines[0]).toEqual(['segment']);
    const found = lines.filter((line) => line.length === 4 && typeof line[0] === 'string' && Array.isArray(line[2]));
    expect(found.map((line) => line[0])).toContain('bus');
    expect(found.filter((line) => line[0] === 'person').length).toBeGreaterThanOrEqual(3);
    for (const [, , box, area] of found) {
      const [x1, y1, x2, y2] = box as number[];
      expect(area).toBeGreaterThan(0);
      expect(area).toBeLessThanOrEqual((x2 - x1 + 2) * (y2 - y1 + 2));
    }
    const busArea = found.find((line) => line[0] === 'bus')![3] as number;
    // The mask region: image size, a rect, has(), the bitmap's sum, outlines, the RLE round trip.
    expect(lines).toContainEqual([810, 1080]);
    expect(lines).toContainEqual([810 * 1080, true]);
    expect(lines).toContainEqual([[1080, 810], true]);
    const outline = lines.find((line) => line.length === 2 && typeof line[0] === 'number' && typeof line[1] === 'number' && line[0] !== 810 && line[0] !== 810 * 1080);
    expect(outline?.[0]).toBeGreaterThan(10);
    expect(outline?.[1]).toBeGreaterThanOrEqual(1);
    // JSON: the task, an RLE string, segments on request, and masks rebuilt from it.
    const json = lines.find((line) => line[0] === 'segment' && line.length === 3)!;
    expect(typeof json[1]).toBe('string');
    expect(json[2]).toBeGreaterThan(10);
    expect(lines).toContainEqual([true]);
    // Retina masks: one per detection, the bus's close to its default mask (the same object at a finer grain).
    const [rect, retinaLine] = lines.filter((line) => line.length === 1 && Array.isArray(line[0]));
    const [x, y, width, height] = rect[0] as number[];
    const bus = found.find((line) => line[0] === 'bus')![2] as number[];
    // Where the mask's pixels are: the bus's box, give or take the model's input pixels (320 here, so one input
    // pixel is 3.4 photo pixels).
    expect(iou([x, y, x + width, y + height], bus)).toBeGreaterThan(0.95);
    const retina = retinaLine[0] as number[];
    expect(retina).toHaveLength(found.length);
    expect(Math.max(...retina) / busArea).toBeGreaterThan(0.9);
    expect(Math.max(...retina) / busArea).toBeLessThan(1.1);
    await expectDrawn('bus-segmented.jpg', 'bus.jpg', [810, 1080]);
  });

  it('pose-zidane.ts: 17 keypoints per person, the skeleton, the JSON, drawn', async () => {
    const lines = await run('pose/pose-zidane.ts');
    expect(lines[0]).toEqual(['pose', [17, 3]]);
    const persons = lines.filter((line) => line[0] === 'person');
    expect(persons).toHaveLength(2);
    for (const [, , count] of persons) expect(count).toBe(17);
    const noses = lines.filter((line) => line[0] === 'nose');
    expect(noses).toHaveLength(2);
    for (const [, x, y, visibility] of noses) {
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(1280);
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(720);
      expect(Number(visibility)).toBeGreaterThan(0.5);
    }
    const limbs = lines.filter((line) => typeof line[0] === 'string' && (line[0] as string).includes(' – '));
    expect(limbs.length).toBeGreaterThan(8);
    expect(limbs.length).toBeLessThanOrEqual(19);
    const json = lines.find((line) => line[0] === 'pose' && line.length === 3)!;
    expect(json[1]).toBe(19);
    expect(json[2]).toHaveLength(3);
    await expectDrawn('zidane-pose.jpg', 'zidane.jpg', [1280, 720]);
  });
});

describe("docs: the OBB and classification guides' samples (yolokit's own task models), run", () => {
  const folder = mkdtempSync(join(tmpdir(), 'yolokit-docs-tasks-generated-'));
  const home = process.cwd();

  beforeAll(() => process.chdir(folder));
  afterAll(() => {
    process.chdir(home);
    rmSync(folder, { recursive: true, force: true });
  });

  const run = runSample;

  /** Pixels of `drawn` that differ from `source` by more than a little, as a share of the image. */
  async function changedShare(source: string, drawn: string): Promise<number> {
    const a = await sharp(join(folder, source)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(join(folder, drawn)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([b.info.width, b.info.height]).toEqual([a.info.width, a.info.height]);
    let changed = 0;
    for (let i = 0; i < a.data.length; i += 3) if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 60) changed += 1;
    return changed / (a.info.width * a.info.height);
  }

  it('obb-shapes.ts: every shape of the scene found in a turned box, its corners and extent, the JSON, drawn', async () => {
    const lines = await run('obb/obb-shapes.ts');
    expect(lines[0]).toEqual(['obb', { 0: 'rectangle', 1: 'ellipse', 2: 'triangle' }]);
    const boxes = lines.filter((line) => line.length === 4 && Array.isArray(line[2]));
    expect(boxes.length).toBeGreaterThanOrEqual(3);
    for (const [, confidence, [cx, cy, w, h], angle] of boxes as [string, string, number[], string][]) {
      expect(Number(confidence)).toBeGreaterThanOrEqual(0.25);
      for (const v of [cx, cy]) expect(v).toBeGreaterThan(0);
      expect(w).toBeGreaterThanOrEqual(h);
      expect(Number.parseFloat(angle)).toBeGreaterThanOrEqual(0);
      expect(Number.parseFloat(angle)).toBeLessThan(90);
    }
    // Each generated shape against its best box: rotated IoU printed with two decimals.
    const found = lines.filter((line) => line.length === 2 && typeof line[0] === 'string' && /^\d\.\d\d$/.test(String(line[1])));
    expect(found.length).toBeGreaterThanOrEqual(3);
    for (const [, overlap] of found) expect(Number(overlap)).toBeGreaterThanOrEqual(0.5);
    // The first detection's corners, and its box is their extent.
    const corners = lines.find((line) => line.length === 1 && Array.isArray(line[0]) && (line[0] as unknown[]).length === 4 && Array.isArray((line[0] as unknown[])[0]))![0] as number[][];
    const box = lines.find((line) => line.length === 1 && Array.isArray(line[0]) && typeof (line[0] as unknown[])[0] === 'number')![0] as number[];
    expect(box).toEqual([Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])), Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1]))]);
    expect(lines).toContainEqual(['obb', ['box', 'confidence', 'classId', 'className', 'obb', 'corners']]);
    expect(await changedShare('scene.png', 'scene-obb.png')).toBeGreaterThan(0.01);
  });

  it('classify-shapes.ts: the top class is the shape drawn, five classes at most, iou refused, the JSON, drawn', async () => {
    const lines = await run('classify/classify-shapes.ts');
    expect(lines[0]).toEqual(['classify', [64, 64]]);
    const [truth, top1, confidence] = lines[1] as [string, string, string];
    expect(top1).toBe(truth);
    expect(Number(confidence)).toBeGreaterThan(0.9);
    const top5 = lines.filter((line) => line.length === 3 && typeof line[0] === 'number');
    expect(top5.map((line) => line[1])).toEqual([truth, ...top5.slice(1).map((line) => line[1])]);
    expect(new Set(top5.map((line) => line[1]))).toEqual(new Set(['circle', 'square', 'triangle', 'ring']));
    const probabilities = top5.map((line) => Number(line[2]));
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    expect(lines).toContainEqual([4, 0]);
    expect(lines).toContainEqual(['INVALID_OPTION']);
    expect(lines).toContainEqual(['classify', 4, truth, 0]);
    expect(await changedShare('picture.png', 'picture-classified.png')).toBeGreaterThan(0.01);
  });
});
