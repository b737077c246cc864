import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { classColour, KEYPOINT_COLOURS, MASK_ALPHA } from '@yolokit/cli';
import { COCO_KEYPOINT_SKELETON, createModel, Mask, type Result, type ResultJSON } from '@yolokit/core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';

/** The built bin, run as users run it. */
const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function yolokit(args: readonly string[]): Promise<Run> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx turbo run build --filter=@yolokit/cli...)`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** An image's RGB pixels. */
async function rgb(path: string): Promise<{ at: (x: number, y: number) => number[]; width: number; height: number }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, at: (x, y) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)] };
}

function hexRgb(colour: string): number[] {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

const distance = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0);

/** Area enclosed by a polygon (shoelace). */
function polygonArea(points: readonly (readonly number[])[]): number {
  let twice = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i];
    const [x2, y2] = points[(i + 1) % points.length];
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

/** Distance from (px, py) to the segment from (ax, ay) to (bx, by). */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const [vx, vy] = [bx - ax, by - ay];
  const length = vx * vx + vy * vy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / length));
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'yolokit-cli-tasks-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describeWithFixtures('yolokit predict with a segmentation model', ['images/bus.jpg', 'models/yolov8n-seg_int8.onnx'], () => {
  const model = fixturePath('models/yolov8n-seg_int8.onnx');
  const image = fixturePath('images/bus.jpg');
  let run: Run;
  let report: { model: Record<string, unknown>; results: (ResultJSON & { source: string })[] };
  let library: Result;

  beforeAll(async () => {
    run = await yolokit(['predict', '--model', model, '--json', join(work, 'seg.json'), '--segments', '--save', join(work, 'seg'), image]);
    report = JSON.parse(await readFile(join(work, 'seg.json'), 'utf8'));
    const direct = await createModel({ backend: onnx(), model });
    try {
      library = await direct.predict(image);
    } finally {
      await direct.dispose();
    }
  });

  it('exits 0, names the task and counts the masks', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^model .*yolov8n-seg_int8\.onnx: segment, onnxruntime-node \S+ \(cpu\), input 320x320$/);
    expect(lines[1]).toMatch(/bus\.jpg 810x1080: 3 person, 1 bus; 4 masks \(\d+ ms\)$/);
  });

  it('writes task "segment" and four detections, bus and persons, each with a COCO RLE mask of the image size', () => {
    expect(report.model).toMatchObject({ task: 'segment', inputSize: [320, 320], kptShape: null });
    const [entry] = report.results;
    expect(Object.keys(entry)).toEqual(['source', 'task', 'width', 'height', 'detections', 'speed']);
    expect(entry.task).toBe('segment');
    expect(entry.detections.map((d) => d.className).sort()).toEqual(['bus', 'person', 'person', 'person']);
    for (const d of entry.detections) {
      expect(Object.keys(d)).toEqual(['box', 'confidence', 'classId', 'className', 'mask', 'segments']);
      expect(d.mask?.size).toEqual([1080, 810]);
      expect(typeof d.mask?.counts).toBe('string');
    }
  });

  it("decodes (Mask.fromRle) to the library's own masks, and the polygons outline them", () => {
    const [entry] = report.results;
    expect(entry.detections).toHaveLength(library.detections.length);
    entry.detections.forEach((d, i) => {
      const own = library.detections[i];
      expect(d.className).toBe(own.className);
      const decoded = Mask.fromRle(d.mask!);
      expect(Math.abs(decoded.area - own.mask!.area) / own.mask!.area).toBeLessThan(0.02);
      // The masks of a bus and of people: thousands of pixels, inside their boxes.
      expect(decoded.area).toBeGreaterThan(10_000);
      const [x1, y1, x2, y2] = d.box;
      const segments = d.segments!;
      expect(segments.length).toBeGreaterThan(10);
      // Masks are cropped to the box at the model's resolution, then scaled to the image: they may pass the box
      // by up to one input pixel (810 / 320 ≈ 3.4 image pixels here).
      const slack = 4;
      for (const [x, y] of segments) {
        expect(x).toBeGreaterThanOrEqual(x1 - slack);
        expect(x).toBeLessThanOrEqual(x2 + slack);
        expect(y).toBeGreaterThanOrEqual(y1 - slack);
        expect(y).toBeLessThanOrEqual(y2 + slack);
      }
      // The largest outline through pixel centres encloses about the mask's area (less half its border).
      expect(polygonArea(segments) / decoded.area).toBeGreaterThan(0.85);
      expect(polygonArea(segments) / decoded.area).toBeLessThan(1.02);
    });
  });

  it('--save blends each mask with its class colour at MASK_ALPHA, and leaves the picture outside the masks alone', async () => {
    const [entry] = report.results;
    const original = await rgb(image);
    const annotated = await rgb(join(work, 'seg', 'bus.jpg'));
    expect([annotated.width, annotated.height]).toEqual([810, 1080]);
    const masks = entry.detections.map((d) => Mask.fromRle(d.mask!));
    const a = Math.round(MASK_ALPHA * 255) / 255;
    // Pixels well inside one mask only (5 px from any other mask's pixel or its border, 12 px from any box line,
    // and below the label tabs), where JPEG's 8×8 blocks see the mask's colour alone.
    const clear = (x: number, y: number, own: number) => {
      for (let dy = -5; dy <= 5; dy += 5) {
        for (let dx = -5; dx <= 5; dx += 5) {
          for (let m = 0; m < masks.length; m++) if (masks[m].has(x + dx, y + dy) !== (m === own)) return false;
        }
      }
      return entry.detections.every(({ box: [x1, y1, x2, y2] }) => {
        const nearEdge = (Math.abs(x - x1) < 12 || Math.abs(x - x2) < 12) && y > y1 - 50 && y < y2 + 12;
        const nearTop = (Math.abs(y - y1) < 12 || Math.abs(y - y2) < 12 || (y < y1 + 5 && y > y1 - 50)) && x > x1 - 12 && x < x2 + 160;
        return !nearEdge && !nearTop;
      });
    };
    entry.detections.forEach((d, m) => {
      const colour = hexRgb(classColour(d.classId));
      const errors: number[] = [];
      const changes: number[] = [];
      const [x1, y1, x2, y2] = d.box.map(Math.round);
      for (let y = y1; y < y2; y += 4) {
        for (let x = x1; x < x2; x += 4) {
          if (!clear(x, y, m)) continue;
          const before = original.at(x, y);
          const blended = before.map((v, c) => v * (1 - a) + colour[c] * a);
          errors.push(distance(annotated.at(x, y), blended) / 3);
          changes.push(distance(annotated.at(x, y), before) / 3);
        }
      }
      expect(errors.length, `${d.className}: pixels sampled`).toBeGreaterThan(100);
      errors.sort((p, q) => p - q);
      changes.sort((p, q) => p - q);
      // The blend, up to JPEG re-encoding (quality 90, chroma subsampled): median error per channel.
      expect(errors[errors.length >> 1], `${d.className}: median distance to the blend`).toBeLessThan(6);
      expect(changes[changes.length >> 1], `${d.className}: median change`).toBeGreaterThan(25);
    });
    // Outside every mask and box: untouched but for re-encoding.
    const outside: number[] = [];
    for (let y = 0; y < 1080; y += 7) {
      for (let x = 0; x < 810; x += 7) {
        if (masks.some((mask) => mask.has(x, y)) || entry.detections.some(({ box: [x1, y1, x2, y2] }) => x > x1 - 12 && x < x2 + 160 && y > y1 - 50 && y < y2 + 12)) continue;
        outside.push(distance(annotated.at(x, y), original.at(x, y)) / 3);
      }
    }
    outside.sort((p, q) => p - q);
    expect(outside.length).toBeGreaterThan(1000);
    expect(outside[outside.length >> 1]).toBeLessThan(4);
  });
});

describeWithFixtures('yolokit predict with a pose model', ['images/zidane.jpg', 'models/yolo11n-pose_fp32.onnx'], () => {
  const model = fixturePath('models/yolo11n-pose_fp32.onnx');
  const image = fixturePath('images/zidane.jpg');
  let run: Run;
  let report: { model: Record<string, unknown>; results: (ResultJSON & { source: string })[] };

  beforeAll(async () => {
    run = await yolokit(['predict', '--model', model, '--json', join(work, 'pose.json'), '--save', join(work, 'pose'), image]);
    report = JSON.parse(await readFile(join(work, 'pose.json'), 'utf8'));
  });

  it('exits 0, names the task and counts poses and visible keypoints', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^model .*yolo11n-pose_fp32\.onnx: pose, onnxruntime-node \S+ \(cpu\), input 640x640$/);
    expect(lines[1]).toMatch(/zidane\.jpg 1280x720: 2 person; 2 poses, \d+\/34 keypoints visible \(\d+ ms\)$/);
  });

  it('writes 17 keypoints [x, y, visibility] per person inside the image, and the skeleton', () => {
    expect(report.model).toMatchObject({ task: 'pose', kptShape: [17, 3], classCount: 1 });
    const [entry] = report.results;
    expect(Object.keys(entry)).toEqual(['source', 'task', 'width', 'height', 'detections', 'skeleton', 'speed']);
    expect(entry.skeleton).toEqual(COCO_KEYPOINT_SKELETON.map(([a, b]) => [a, b]));
    expect(entry.detections.map((d) => d.className)).toEqual(['person', 'person']);
    for (const d of entry.detections) {
      expect(Object.keys(d)).toEqual(['box', 'confidence', 'classId', 'className', 'keypoints']);
      expect(d.keypoints).toHaveLength(17);
      for (const [x, y, v] of d.keypoints!) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1280);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(720);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      // Both faces are in view: each nose seen, inside its person's box.
      const [x1, y1, x2, y2] = d.box;
      const [x, y, v] = d.keypoints![0];
      expect(v).toBeGreaterThan(0.5);
      expect(x > x1 && x < x2 && y > y1 && y < y2).toBe(true);
    }
  });

  it('--save dots each visible keypoint in its colour', async () => {
    const [entry] = report.results;
    const original = await rgb(image);
    const annotated = await rgb(join(work, 'pose', 'zidane.jpg'));
    expect([annotated.width, annotated.height]).toEqual([1280, 720]);
    const people = entry.detections.map((d) => d.keypoints!.map(([x, y, v]) => ({ x: Math.trunc(x), y: Math.trunc(y), v })));
    // The limbs drawn (both ends visible), to look at each dot beside them rather than under them.
    const limbs = people.flatMap((points) => entry.skeleton!.filter(([a, b]) => points[a].v >= 0.5 && points[b].v >= 0.5).map(([a, b]) => [points[a], points[b]]));
    const visible = people.flatMap((points) => points.map((p, k) => ({ ...p, k }))).filter((p) => p.v >= 0.5);
    expect(visible.length).toBeGreaterThan(10);
    let checked = 0;
    for (const { k, x, y } of visible) {
      if (visible.some((o) => o !== undefined && (o.x !== x || o.y !== y) && Math.hypot(o.x - x, o.y - y) < 14)) continue; // another dot overlaps
      // Of the points about 3 px from the centre (well inside the radius of 5), the one farthest from every limb.
      const offsets = [[3, 0], [-3, 0], [0, 3], [0, -3], [2, 2], [2, -2], [-2, 2], [-2, -2]];
      const clearance = ([dx, dy]: number[]) => Math.min(...limbs.map(([a, b]) => segmentDistance(x + dx + 0.5, y + dy + 0.5, a.x + 0.5, a.y + 0.5, b.x + 0.5, b.y + 0.5)));
      const [dx, dy] = offsets.reduce((best, o) => (clearance(o) > clearance(best) ? o : best));
      if (clearance([dx, dy]) < 3) continue;
      const colour = hexRgb(KEYPOINT_COLOURS[k]);
      const before = distance(original.at(x + dx, y + dy), colour);
      if (before < 120) continue; // the photo already has that colour there: nothing to tell
      checked++;
      expect(distance(annotated.at(x + dx, y + dy), colour), `keypoint ${k} at (${x}, ${y}) + (${dx}, ${dy})`).toBeLessThan(Math.min(60, before / 2));
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});
