/**
 * Issue 14: `yolokit predict` with an oriented-box model and a classifier (the project's own task models, so no
 * fixture is needed): the summary lines, the --json report (obb and corners; probs and top5) equal to the
 * library's results, --save drawing turned boxes and the top classes, and the detection flags a classifier refuses.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { classColour } from '@yolokit/cli';
import { createModel, type ResultJSON } from '@yolokit/core';
import { generatePicture, generateRotatedScene, taskModelPath } from '@yolokit/default-model';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Run, run } from './support/commands.js';
import { repoRoot } from './support/fixtures.js';

const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');

/** The built bin, run as users run it (the project's command runner). */
function yolokit(args: readonly string[]): Promise<Run> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npx turbo run build --filter=@yolokit/cli...)`);
  return run(process.execPath, [bin, ...args], work);
}

async function writePng(path: string, image: { data: Uint8Array; width: number; height: number }): Promise<string> {
  await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path);
  return path;
}

async function predictInProcess(model: string, paths: readonly string[]): Promise<ResultJSON[]> {
  const loaded = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model });
  try {
    const out: ResultJSON[] = [];
    for (const path of paths) out.push((await loaded.predict(path)).toJSON());
    return out;
  } finally {
    await loaded.dispose();
  }
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'yolokit-cli-task-models-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('yolokit predict with the oriented-box model', () => {
  let run: Run;
  let images: string[];
  let report: { model: { task: string }; results: (ResultJSON & { source: string })[] };

  beforeAll(async () => {
    images = [await writePng(join(work, 'rotated-a.png'), generateRotatedScene(910_000)), await writePng(join(work, 'rotated-b.png'), generateRotatedScene(910_001))];
    run = await yolokit(['predict', '--model', taskModelPath('obb'), '--json', join(work, 'obb.json'), '--save', join(work, 'obb-saved'), ...images]);
    report = JSON.parse(await readFile(join(work, 'obb.json'), 'utf8'));
  }, 120_000);

  it('names the task and counts the classes per image', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^model .*yolokit-shapes-obb\.onnx: obb, onnxruntime-node/m);
    expect(run.stdout).toMatch(/rotated-a\.png 160x160: (\d+ (rectangle|ellipse|triangle)(, )?)+ \(\d+ ms\)/);
  });

  it('writes obb and corners per detection, equal to the library', async () => {
    expect(report.model.task).toBe('obb');
    const expected = await predictInProcess(taskModelPath('obb'), images);
    report.results.forEach((entry, i) => {
      expect(entry.task).toBe('obb');
      expect(entry.detections.length).toBe(expected[i].detections.length);
      entry.detections.forEach((d, k) => {
        expect(Object.keys(d)).toEqual(['box', 'confidence', 'classId', 'className', 'obb', 'corners']);
        expect(d.obb).toEqual(expected[i].detections[k].obb);
        expect(d.corners).toEqual(expected[i].detections[k].corners);
        expect(d.box).toEqual(expected[i].detections[k].box);
      });
    });
    // Every image has something to compare.
    for (const entry of report.results) expect(entry.detections.length).toBeGreaterThan(0);
  });

  it('--save draws each box turned: the middle of its first side in its class colour', async () => {
    const entry = report.results[0];
    const { data, info } = await sharp(join(work, 'obb-saved', 'rotated-a.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const d of entry.detections) {
      if (!d.corners) throw new Error(`${d.className} has no corners`);
      const [, [x1, y1], [x2, y2]] = d.corners;
      // The middle of the edge between the second and third corners, away from the label at the first.
      const [x, y] = [Math.floor((x1 + x2) / 2), Math.floor((y1 + y2) / 2)];
      const at = [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
      const colour = classColour(d.classId);
      const want = [1, 3, 5].map((k) => Number.parseInt(colour.slice(k, k + 2), 16));
      // Antialiased thin lines: near, not equal.
      expect(at.reduce((sum, v, k) => sum + Math.abs(v - want[k]), 0), `${d.className} at ${x},${y}`).toBeLessThan(160);
    }
  });
});

describe('yolokit predict with the classifier', () => {
  let run: Run;
  let images: string[];
  let pictures: ReturnType<typeof generatePicture>[];

  beforeAll(async () => {
    pictures = [generatePicture(920_000), generatePicture(920_001), generatePicture(920_002)];
    images = await Promise.all(pictures.map((p, i) => writePng(join(work, `picture-${i}.png`), p)));
    run = await yolokit(['predict', '--model', taskModelPath('classify'), '--json', join(work, 'cls.json'), '--save', join(work, 'cls-saved'), ...images]);
  }, 120_000);

  it("prints each picture's top-1 class and says the pictures were classified", async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/: classify, onnxruntime-node/);
    const expected = await predictInProcess(taskModelPath('classify'), images);
    for (const [i, image] of images.entries()) {
      const top = expected[i].top5?.[0];
      expect(run.stdout).toContain(`${image} 64x64: ${top?.className} ${top?.confidence.toFixed(2)} (`);
    }
    expect(run.stdout).toMatch(/^3 images, classified in [\d.]+ s; median per image/m);
  });

  it('writes probs and top5 equal to the library, and no detections', async () => {
    const report = JSON.parse(await readFile(join(work, 'cls.json'), 'utf8')) as { results: ResultJSON[] };
    const expected = await predictInProcess(taskModelPath('classify'), images);
    report.results.forEach((entry, i) => {
      expect(entry.task).toBe('classify');
      expect(entry.detections).toEqual([]);
      expect(entry.probs).toEqual(expected[i].probs);
      expect(entry.top5).toEqual(expected[i].top5);
    });
  });

  it('--save writes the top classes on a translucent gray box in the corner', async () => {
    const { data, info } = await sharp(join(work, 'cls-saved', 'picture-0.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const original = pictures[0];
    // round(0.03 × 64) = 2: the box starts at (2, 2); a pixel inside it is darker-gray-blended, one left of it untouched.
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const before = (x: number, y: number) => [...original.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)];
    expect(at(1, 1)).toEqual(before(1, 1));
    const blended = before(3, 30).map((v) => v * 0.5 + 64 * 0.5);
    // Row 30 of the box (5 lines of 11 px text) at x = 3, left of any letter: the gray blend alone.
    expect(at(3, 30).every((v, k) => Math.abs(v - blended[k]) <= 2)).toBe(true);
  });

  it('refuses --iou and --max-det on a classifier, naming the flag, before any image is read', async () => {
    const refused = await yolokit(['predict', '--model', taskModelPath('classify'), '--iou', '0.5', images[0]]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--iou (0.5) does not apply to a classify model');
    const maxDet = await yolokit(['predict', '--model', taskModelPath('classify'), '--max-det', '3', images[0]]);
    expect(maxDet.stderr).toContain('--max-det (3) does not apply to a classify model');
  });
});

