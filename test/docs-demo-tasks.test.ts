import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { CanvasImageDecoder, createModel, KEYPOINT_VISIBILITY_THRESHOLD, Mask, type RawImage, type ResultJSON } from '@yolokit/core';
import { generatePicture, generateRotatedScene, rotatedBoxIou, taskModelPath } from '@yolokit/default-model';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KEYPOINT_COLOURS, LIMB_COLOURS, PALETTE, rgbOf, TOP_CLASSES_BACKGROUND } from '../apps/docs/src/demo/palette.js';
import { CHROMIUM_ARGS, chromiumPath, describeWithBrowser, iou, serveFolder, type StaticSite } from './support/browser.js';
import { fixturePath, repoRoot } from './support/fixtures.js';

/**
 * The docs site's live demo with segmentation, pose, oriented-box and classification models, end to end in a
 * real headless Chromium: the
 * built site (apps/docs/dist) served on a loopback port, the models and photos given through the page's file
 * inputs, onnxruntime-web's WebAssembly in the page's worker, and what the page drew read back from its
 * canvases.
 *
 * What the page finds is compared with the same pipeline in Node: onnxruntime-node on the same weights, fed the
 * pixels this Chromium decodes the photo to, letterboxed by core's browser letterbox (`CanvasImageDecoder`,
 * OpenCV's bilinear resize in JavaScript). Against the Node pipeline's default (sharp's antialiased resize) or
 * the Ultralytics reference, the browser's input differs by a resize kernel and a JPEG decoder, which moves
 * low-confidence keypoints by a few pixels: those distances are recorded, and bounded loosely. Screenshots and
 * the measured stage times of each run (the cold warm-up run, the first and second image) go to artifacts/; no
 * time is asserted.
 */

const siteDir = resolve(repoRoot, 'apps/docs/dist');
const artifacts = resolve(repoRoot, 'artifacts');
const segModel = 'models/yolov8n-seg_fp32.onnx';
const poseModel = 'models/yolo11n-pose_fp32.onnx';
const poseReference = 'reference/pose-bus-zidane.json';
const images = { bus: 'images/bus.jpg', zidane: 'images/zidane.jpg' } as const;

function describeWithBrowserAndSite(name: string, body: () => void, fixtures: readonly string[] = [segModel, poseModel, poseReference, images.bus, images.zidane]): void {
  const site = existsSync(join(siteDir, 'demo.html')) ? [] : [`the built docs site at ${siteDir} (npm run build -w @yolokit/docs)`];
  describeWithBrowser(name, fixtures, body, site);
}

/** Stage times the page shows for one image, in ms, read from `.demo-timings`. */
type Stages = Record<string, number>;

interface PageRun {
  task: string;
  json: ResultJSON;
  rows: { className: string; maskArea: number | undefined; keypoints: number | undefined; visibleKeypoints: number | undefined }[];
  stages: Stages;
  warmUp: Stages;
  run: number;
}

/** Waits for the page's answer and reads what it shows: the task, the table, the timings and the result's JSON. */
async function readRun(page: Page, timeout = 180_000): Promise<PageRun> {
  await page.locator('.demo-status[data-state="done"], .demo-status[data-state="error"]').waitFor({ timeout });
  const errors = (await page.locator('.demo-error').allTextContents()).join(' ');
  expect(await page.locator('.demo-status').getAttribute('data-state'), `${await page.locator('.demo-status').textContent()} ${errors}`).toBe('done');
  const json = page.locator('.demo-json');
  if (!(await json.evaluate((element: HTMLDetailsElement) => element.open))) await json.locator('summary').click();
  await page.waitForFunction(() => (document.querySelector('.demo-json pre')?.textContent ?? '').length > 0);
  return page.evaluate(() => {
    const cells = (attribute: string) =>
      Object.fromEntries(
        Array.from(document.querySelectorAll(`.demo-timings td[${attribute}][data-ms]`)).map((td) => [td.getAttribute(attribute), Number(td.getAttribute('data-ms'))]),
      );
    return {
      task: document.querySelector('.demo-task')?.textContent ?? '',
      json: JSON.parse(document.querySelector('.demo-json pre')?.textContent ?? 'null'),
      rows: Array.from(document.querySelectorAll('.demo-detections tbody tr')).map((tr) => ({
        className: tr.getAttribute('data-class') ?? '',
        maskArea: tr.hasAttribute('data-mask-area') ? Number(tr.getAttribute('data-mask-area')) : undefined,
        keypoints: tr.hasAttribute('data-keypoints') ? Number(tr.getAttribute('data-keypoints')) : undefined,
        visibleKeypoints: tr.hasAttribute('data-visible-keypoints') ? Number(tr.getAttribute('data-visible-keypoints')) : undefined,
      })),
      stages: cells('data-stage'),
      warmUp: cells('data-warmup-stage'),
      run: Number(document.querySelector('.demo-timings')?.getAttribute('data-run')),
    };
  });
}

/** A screenshot of the demo alone, in a viewport tall enough that the site's fixed header does not cross it. */
async function screenshotDemo(page: Page, file: string): Promise<void> {
  const bottom = await page.locator('.yolo-demo').evaluate((element) => {
    window.scrollTo(0, 0);
    return element.getBoundingClientRect().bottom;
  });
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: viewport.width, height: Math.ceil(bottom) + 100 });
  await page.locator('.yolo-demo').screenshot({ path: join(artifacts, file) });
  await page.setViewportSize(viewport);
}

/** A canvas layer's RGBA pixels (image-sized), as base64 across the page boundary. */
async function canvasPixels(page: Page, selector: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { width, height, base64 } = await page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, base64: btoa(binary) };
  });
  return { width, height, data: Buffer.from(base64, 'base64') };
}

/** The photo as this Chromium decodes it, exactly as the demo's worker does (createImageBitmap, no ICC profile, a 2D canvas). */
async function browserPixels(page: Page, fixture: string): Promise<RawImage> {
  return browserPixelsOf(page, readFileSync(fixture.startsWith('/') ? fixture : fixturePath(fixture)));
}

async function browserPixelsOf(page: Page, file: Buffer): Promise<RawImage> {
  const { width, height, base64 } = await page.evaluate(async (encoded) => {
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: bitmap.width, height: bitmap.height, base64: btoa(binary) };
  }, file.toString('base64'));
  return { data: new Uint8Array(Buffer.from(base64, 'base64')), width, height, channels: 4 };
}

/**
 * The browser pipeline's result computed in Node: onnxruntime-node, core's JavaScript letterbox (or classify
 * crop), the browser's pixels. `model` is a fixture, or an absolute path.
 */
async function nodeResult(model: string, pixels: RawImage, options: { conf: number; iou?: number } = { conf: 0.25, iou: 0.7 }): Promise<ResultJSON> {
  const yolo = await createModel({ backend: onnx(), model: model.startsWith('/') ? model : fixturePath(model), imageDecoder: new CanvasImageDecoder() });
  try {
    return (await yolo.predict(pixels, options)).toJSON();
  } finally {
    await yolo.dispose();
  }
}

/** The detection of `among` whose box overlaps `box` most (same class). */
function bestMatch<D extends { box: readonly number[]; classId: number }>(among: readonly D[], target: { box: readonly number[]; classId: number }): D {
  return [...among].filter((d) => d.classId === target.classId).sort((a, b) => iou(b.box, target.box) - iou(a.box, target.box))[0];
}

async function openDemo(browser: Browser, site: StaticSite, pageErrors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${site.origin}/demo.html`);
  await page.locator('.demo-model-input').waitFor({ state: 'attached' });
  await page.locator('.demo-provider select').selectOption('wasm');
  return page;
}

/** What the artifact JSON records of one model: the page's stage times for the warm-up, first and second image. */
const measured: Record<string, unknown> = {};

describeWithBrowserAndSite('docs site: live demo with segmentation and pose models in headless Chromium', () => {
  let browser: Browser;
  let site: StaticSite;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    site = await serveFolder(siteDir);
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (Object.keys(measured).length > 0) {
      await mkdir(artifacts, { recursive: true });
      await writeFile(join(artifacts, 'docs-demo-tasks.json'), `${JSON.stringify({ note: 'one run each; medians over several runs: node bench/browser-demo.mjs', ...measured }, null, 2)}\n`);
    }
  });

  it('segments bus.jpg with yolov8n-seg: a bus and 3+ persons, the masks of onnxruntime-node, each tinted on the canvas exactly where it is', async () => {
    const page = await openDemo(browser, site, pageErrors);
    await page.locator('.demo-model-input').setInputFiles(fixturePath(segModel));
    await page.locator('.demo-image-input').setInputFiles(fixturePath(images.bus));
    const shown = await readRun(page);

    expect(shown.task).toBe('segment');
    expect(shown.json).toMatchObject({ task: 'segment', width: 810, height: 1080 });
    const classes = shown.rows.map((row) => row.className);
    expect(classes.filter((c) => c === 'bus'), classes.join(', ')).toHaveLength(1);
    expect(classes.filter((c) => c === 'person').length, classes.join(', ')).toBeGreaterThanOrEqual(3);

    // The JSON's masks are COCO RLE at image size; each decodes to the area the table shows, inside its box.
    const masks = shown.json.detections.map((d) => {
      expect(d.mask?.size).toEqual([1080, 810]);
      expect(typeof d.mask?.counts).toBe('string');
      return Mask.fromRle(d.mask!);
    });
    masks.forEach((mask, i) => {
      expect(mask.area).toBe(shown.rows[i].maskArea);
      const [x1, y1, x2, y2] = shown.json.detections[i].box;
      expect(mask.area).toBeGreaterThan(0.2 * (x2 - x1) * (y2 - y1));
      expect(mask.area).toBeLessThanOrEqual((Math.ceil(x2) - Math.floor(x1) + 1) * (Math.ceil(y2) - Math.floor(y1) + 1));
    });
    // The bus's mask covers most of its box (a bus is nearly a rectangle), a person's much less.
    const bus = shown.json.detections.findIndex((d) => d.className === 'bus');
    const [bx1, by1, bx2, by2] = shown.json.detections[bus].box;
    expect(masks[bus].area / ((bx2 - bx1) * (by2 - by1))).toBeGreaterThan(0.6);

    // The same pipeline in Node (onnxruntime-node, the browser's pixels and letterbox): the same detections and masks.
    const expected = await nodeResult(segModel, await browserPixels(page, images.bus));
    expect(shown.json.detections).toHaveLength(expected.detections.length);
    const maskIous: number[] = [];
    for (const [i, d] of shown.json.detections.entries()) {
      const match = bestMatch(expected.detections, d);
      expect(match, `${d.className} has a match in onnxruntime-node's result`).toBeDefined();
      expect(iou(match.box, d.box)).toBeGreaterThan(0.99);
      maskIous.push(maskIou(masks[i], Mask.fromRle(match.mask!)));
    }
    for (const value of maskIous) expect(value).toBeGreaterThanOrEqual(0.98);
    // Against Node's default pipeline (sharp decodes and resizes): recorded, not asserted beyond the same objects.
    const yolo = await createModel({ backend: onnx(), model: fixturePath(segModel) });
    const sharpResult = (await yolo.predict(fixturePath(images.bus), { conf: 0.25, iou: 0.7 })).toJSON();
    await yolo.dispose();
    const sharpMaskIous = shown.json.detections.map((d, i) => {
      const match = bestMatch(sharpResult.detections, d);
      return match ? maskIou(masks[i], Mask.fromRle(match.mask!)) : 0;
    });
    expect(Math.min(...sharpMaskIous)).toBeGreaterThan(0.8);

    // The canvas of masks: tinted (alpha > 0) exactly on the union of the masks, in the class's colour at 50%.
    const canvas = await canvasPixels(page, 'canvas.demo-masks');
    expect([canvas.width, canvas.height]).toEqual([810, 1080]);
    expect(Number(await page.locator('canvas.demo-masks').getAttribute('data-drawn'))).toBe(masks.length);
    const bitmaps = masks.map((mask) => mask.toBitmap());
    let union = 0;
    let wrong = 0;
    let colourChecked = 0;
    for (let p = 0; p < 810 * 1080; p++) {
      const inside = bitmaps.findIndex((bitmap) => bitmap[p] === 1);
      const alpha = canvas.data[p * 4 + 3];
      if (inside >= 0) union += 1;
      if ((inside >= 0) !== alpha > 0) wrong += 1;
      // Where exactly one mask is set, the pixel is that class's colour at half opacity.
      if (p % 97 === 0 && inside >= 0 && bitmaps.filter((bitmap) => bitmap[p] === 1).length === 1) {
        const [r, g, b] = rgbOf(PALETTE[shown.json.detections[inside].classId % PALETTE.length]);
        expect(Math.abs(canvas.data[p * 4] - r) + Math.abs(canvas.data[p * 4 + 1] - g) + Math.abs(canvas.data[p * 4 + 2] - b)).toBeLessThanOrEqual(6);
        expect(alpha).toBe(128);
        colourChecked += 1;
      }
    }
    expect(wrong, `${wrong} of ${810 * 1080} canvas pixels disagree with the masks`).toBe(0);
    expect(union).toBeGreaterThan(masks[bus].area);
    expect(colourChecked).toBeGreaterThan(1000);

    // Drawn over the image, on screen: the masks canvas covers the displayed photo exactly.
    const layout = await page.evaluate(() => {
      const rect = (selector: string) => document.querySelector(selector)!.getBoundingClientRect().toJSON() as DOMRect;
      return { image: rect('.demo-image'), masks: rect('canvas.demo-masks') };
    });
    expect(layout.masks.width).toBeCloseTo(layout.image.width, 0);
    expect(layout.masks.height).toBeCloseTo(layout.image.height, 0);

    await mkdir(artifacts, { recursive: true });
    await screenshotDemo(page, 'docs-demo-segment.png');

    // A second image: warm.
    await page.locator('.demo-image-input').setInputFiles(fixturePath(images.zidane));
    const second = await readRun(page);
    expect(second.run).toBe(2);
    expect(second.json.detections.filter((d) => d.className === 'person').length).toBeGreaterThanOrEqual(2);
    measured.segment = {
      model: segModel,
      warmUp: shown.warmUp,
      first: { image: 'bus.jpg', ...shown.stages },
      second: { image: 'zidane.jpg', ...second.stages },
      maskIouWithNodeSameInput: maskIous,
      maskIouWithNodeSharpInput: sharpMaskIous,
    };
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 300_000);

  it('finds the persons of zidane.jpg and bus.jpg with yolo11n-pose, keypoints where the reference has them, dotted and joined on the canvas', async () => {
    const page = await openDemo(browser, site, pageErrors);
    await page.locator('.demo-model-input').setInputFiles(fixturePath(poseModel));
    const reference = JSON.parse(readFileSync(fixturePath(poseReference), 'utf8')) as {
      results: Record<string, { box: number[]; confidence: number; keypoints: number[][] }[]>;
    };
    const runs: PageRun[] = [];
    const distances: number[] = [];
    const sameInputDistances: number[] = [];
    for (const name of ['zidane.jpg', 'bus.jpg'] as const) {
      await page.locator('.demo-image-input').setInputFiles(fixturePath(`images/${name}`));
      const shown = await readRun(page);
      runs.push(shown);
      expect(shown.task).toBe('pose');
      expect(shown.json.task).toBe('pose');
      expect(shown.json.skeleton).toHaveLength(19);
      const expected = reference.results[name];
      expect(shown.rows.map((row) => row.className)).toEqual(expected.map(() => 'person'));
      for (const row of shown.rows) expect(row.keypoints).toBe(17);

      // The same pipeline in Node (onnxruntime-node, the browser's pixels and letterbox): the same keypoints.
      const same = await nodeResult(poseModel, await browserPixels(page, `images/${name}`));
      expect(shown.json.detections).toHaveLength(same.detections.length);
      for (const d of shown.json.detections) {
        const match = bestMatch(same.detections, d);
        expect(iou(match.box, d.box)).toBeGreaterThan(0.99);
        for (const [k, [x, y]] of d.keypoints!.entries()) sameInputDistances.push(Math.hypot(x - match.keypoints![k][0], y - match.keypoints![k][1]));
      }
      // The same persons as the Ultralytics reference (by box); how far each keypoint it sees (visibility 0.5 or
      // more) is, recorded.
      for (const person of expected) {
        const match = bestMatch(shown.json.detections, { box: person.box, classId: 0 });
        expect(iou(match.box, person.box), `${name}: a person at ${person.box.join(', ')}`).toBeGreaterThan(0.97);
        person.keypoints.forEach(([x, y, visibility], k) => {
          if (visibility < 0.5) return;
          const [px, py] = match.keypoints![k];
          distances.push(Math.hypot(px - x, py - y));
        });
      }

      // The keypoint canvas: one dot per keypoint seen, in Ultralytics' pose colours at the keypoint's pixel.
      const seen = shown.json.detections.flatMap((d) => d.keypoints!.filter(([x, y, v]) => v >= KEYPOINT_VISIBILITY_THRESHOLD && x > 0 && y > 0 && x % shown.json.width !== 0 && y % shown.json.height !== 0));
      expect(Number(await page.locator('canvas.demo-keypoints').getAttribute('data-drawn'))).toBe(seen.length);
      expect(shown.rows.reduce((sum, row) => sum + (row.visibleKeypoints ?? 0), 0)).toBeGreaterThanOrEqual(seen.length);
      const canvas = await canvasPixels(page, 'canvas.demo-keypoints');
      const poseColours = new Set([...KEYPOINT_COLOURS, ...LIMB_COLOURS].map((colour) => rgbOf(colour).join(',')));
      const at = ([x, y]: number[]) => (Math.trunc(y) * canvas.width + Math.trunc(x)) * 4;
      // Every keypoint's pixel is painted over; nearly all in a pose colour exactly (a limb passing close to
      // another person's keypoint may blend its edge into it).
      for (const point of seen) expect(canvas.data[at(point) + 3], `keypoint at ${point.join(', ')}`).toBe(255);
      const painted = seen.filter((point) => poseColours.has(`${canvas.data[at(point)]},${canvas.data[at(point) + 1]},${canvas.data[at(point) + 2]}`));
      expect(painted.length / seen.length).toBeGreaterThanOrEqual(0.9);
      // And nothing but dots and limbs: most of the canvas stays clear.
      let opaque = 0;
      for (let p = 3; p < canvas.data.length; p += 4) if (canvas.data[p] > 0) opaque += 1;
      expect(opaque / (canvas.width * canvas.height)).toBeLessThan(0.08);
      expect(opaque).toBeGreaterThan(seen.length * 50);
      // The masks canvas of a pose result is empty.
      expect(Number(await page.locator('canvas.demo-masks').getAttribute('data-drawn'))).toBe(0);
      await screenshotDemo(page, `docs-demo-pose-${name.replace('.jpg', '')}.png`);
    }
    expect(Math.max(...sameInputDistances), 'keypoints of the page against the same pipeline in Node, px').toBeLessThan(0.5);
    // Against the reference, the browser's input differs by its resize kernel and JPEG decoder: low-confidence
    // keypoints (wrists, ankles) move by a few pixels. A wrong letterbox mapping would move them by tens.
    distances.sort((a, b) => a - b);
    const median = distances[Math.floor(distances.length / 2)];
    expect(distances.length).toBeGreaterThan(40);
    expect(median).toBeLessThanOrEqual(1.5);
    expect(distances.at(-1)).toBeLessThanOrEqual(10);
    expect(runs.map((r) => r.run)).toEqual([1, 2]);
    measured.pose = {
      model: poseModel,
      warmUp: runs[0].warmUp,
      first: { image: 'zidane.jpg', ...runs[0].stages },
      second: { image: 'bus.jpg', ...runs[1].stages },
      keypointDistanceToReferencePx: { median, max: distances.at(-1), count: distances.length },
      keypointDistanceToNodeSameInputPx: { max: Math.max(...sameInputDistances), count: sameInputDistances.length },
    };
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 300_000);
});

function maskIou(a: Mask, b: Mask): number {
  const x = a.toBitmap();
  const y = b.toBitmap();
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] && y[i]) intersection += 1;
    if (x[i] || y[i]) union += 1;
  }
  return union > 0 ? intersection / union : 1;
}

/**
 * yolokit's own task models (`@yolokit/default-model`, no fixture needed) on pictures the project generates,
 * written as PNG so that Chromium decodes exactly the generated pixels: the demo's oriented boxes and a
 * classifier's probabilities must equal onnxruntime-node's on those pixels, and be drawn where they are.
 */
describeWithBrowserAndSite(
  'docs site: live demo with the oriented-box and classification shapes models in headless Chromium',
  () => {
    let browser: Browser;
    let site: StaticSite;
    let folder: string;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      site = await serveFolder(siteDir);
      browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
      folder = await mkdtemp(join(tmpdir(), 'yolokit-docs-demo-tasks-'));
    });

    afterAll(async () => {
      await browser?.close();
      await site?.close();
      if (folder) await rm(folder, { recursive: true, force: true });
    });

    /** A generated RGB picture as a PNG file (lossless: the browser decodes the very pixels). */
    async function writePng(name: string, picture: { data: Uint8Array; width: number; height: number }): Promise<string> {
      const file = join(folder, name);
      await sharp(Buffer.from(picture.data), { raw: { width: picture.width, height: picture.height, channels: 3 } }).png().toFile(file);
      return file;
    }

    it('draws the oriented boxes of a rotated-shapes scene turned, from their corners, equal to onnxruntime-node\'s', async () => {
      // Seed 11: four shapes (rectangles, ellipses, triangles) at the model's own size, 160x160.
      const scene = generateRotatedScene(11);
      const file = await writePng('rotated-scene-11.png', scene);
      const page = await openDemo(browser, site, pageErrors);
      await page.locator('.demo-model-input').setInputFiles(taskModelPath('obb'));
      await page.locator('.demo-image-input').setInputFiles(file);
      const shown = await readRun(page);

      expect(shown.task).toBe('obb');
      expect(shown.json).toMatchObject({ task: 'obb', width: scene.width, height: scene.height });
      // Every shape of the scene is found, in a box of its class that overlaps its exact oriented box.
      for (const object of scene.objects) {
        const best = Math.max(0, ...shown.json.detections.filter((d) => d.classId === object.classId).map((d) => rotatedBoxIou(d.obb!, object.obb)));
        expect(best, `${object.className} at ${object.obb.cx.toFixed(1)}, ${object.obb.cy.toFixed(1)}`).toBeGreaterThanOrEqual(0.5);
      }

      // The same pipeline in Node on the same pixels: the same boxes, in the same order.
      const expected = await nodeResult(taskModelPath('obb'), await browserPixelsOf(page, readFileSync(file)));
      expect(shown.json.detections.map((d) => d.className)).toEqual(expected.detections.map((d) => d.className));
      let worst = 0;
      shown.json.detections.forEach((d, i) => {
        const e = expected.detections[i];
        expect(Math.abs(d.confidence - e.confidence)).toBeLessThan(1e-4);
        for (const key of ['cx', 'cy', 'w', 'h'] as const) worst = Math.max(worst, Math.abs(d.obb![key] - e.obb![key]));
        expect(Math.abs(d.obb!.angle - e.obb!.angle)).toBeLessThan(1e-4);
        d.corners!.forEach(([x, y], k) => {
          worst = Math.max(worst, Math.abs(x - e.corners![k][0]), Math.abs(y - e.corners![k][1]));
        });
      });
      expect(worst, 'largest difference to onnxruntime-node, px').toBeLessThan(1e-3);

      // Drawn: one polygon per detection through its four corners, in its class's colour (the CLI's palette),
      // and the table lists each oriented box.
      const polygons = await page.locator('.demo-overlay g.detection').evaluateAll((groups) =>
        groups.map((g) => {
          const polygon = g.querySelector('polygon.detection-obb');
          return {
            className: g.getAttribute('data-class'),
            stroke: polygon?.getAttribute('stroke'),
            points: (polygon?.getAttribute('points') ?? '').split(' ').map((pair) => pair.split(',').map(Number)),
            label: g.querySelector('text')?.textContent,
          };
        }),
      );
      // Drawn least confident first, so that the most confident end up on top.
      const drawnOrder = [...shown.json.detections].reverse();
      expect(polygons).toHaveLength(drawnOrder.length);
      polygons.forEach((polygon, i) => {
        const d = drawnOrder[i];
        expect(polygon.className).toBe(d.className);
        expect(polygon.stroke).toBe(PALETTE[d.classId % PALETTE.length]);
        expect(polygon.label).toBe(`${d.className} ${d.confidence.toFixed(2)}`);
        expect(polygon.points).toHaveLength(4);
        polygon.points.forEach(([x, y], k) => {
          expect(x).toBeCloseTo(d.corners![k][0], 6);
          expect(y).toBeCloseTo(d.corners![k][1], 6);
        });
      });
      expect(await page.locator('.demo-overlay rect.detection-box').count()).toBe(0);
      expect(await page.locator('.demo-detections tbody tr').count()).toBe(shown.json.detections.length);
      // The axis-aligned box is the corners' extent.
      for (const d of shown.json.detections) {
        const xs = d.corners!.map(([x]) => x);
        const ys = d.corners!.map(([, y]) => y);
        expect(d.box[0]).toBeCloseTo(Math.min(...xs), 3);
        expect(d.box[3]).toBeCloseTo(Math.max(...ys), 3);
      }
      await mkdir(artifacts, { recursive: true });
      await screenshotDemo(page, 'docs-demo-obb.png');
      expect(pageErrors).toEqual([]);
      await page.close();
    }, 240_000);

    it("lists and writes a classifier's top classes, its probabilities equal to onnxruntime-node's", async () => {
      const page = await openDemo(browser, site, pageErrors);
      await page.locator('.demo-model-input').setInputFiles(taskModelPath('classify'));
      // Three pictures of 128x128 (the model takes 64x64: the classify transform resizes and crops them).
      for (const seed of [3, 5, 8]) {
        const picture = generatePicture(seed, { size: 128 });
        const file = await writePng(`picture-${seed}.png`, picture);
        await page.locator('.demo-image-input').setInputFiles(file);
        const shown = await readRun(page);
        expect(shown.task).toBe('classify');
        expect(shown.json.detections).toEqual([]);
        expect(shown.json.top5![0].className, `picture ${seed}`).toBe(picture.className);

        const expected = await nodeResult(taskModelPath('classify'), await browserPixelsOf(page, readFileSync(file)), { conf: 0.25 });
        expect(shown.json.probs).toHaveLength(4);
        for (const [k, p] of shown.json.probs!.entries()) expect(Math.abs(p - expected.probs![k]), `class ${k}`).toBeLessThan(1e-5);
        expect(shown.json.top5!.map((c) => c.classId)).toEqual(expected.top5!.map((c) => c.classId));

        // The table and the image's list: every class, most probable first, as `name 0.99`.
        const table = await page.locator('.demo-classes tbody tr').evaluateAll((rows) =>
          rows.map((row) => ({ classId: Number(row.getAttribute('data-class-id')), probability: Number(row.getAttribute('data-probability')) })),
        );
        expect(table.map((row) => row.classId)).toEqual(shown.json.top5!.map((c) => c.classId));
        for (const [k, row] of table.entries()) expect(row.probability).toBeCloseTo(shown.json.top5![k].confidence, 6);
        const lines = await page.locator('.demo-overlay g.top-classes text').allTextContents();
        expect(lines).toEqual(shown.json.top5!.map((c) => `${c.className} ${c.confidence.toFixed(2)}`));
        expect(await page.locator('.demo-overlay g.top-classes rect').getAttribute('fill')).toBe(TOP_CLASSES_BACKGROUND);
        expect(await page.locator('.demo-status').textContent()).toBe(`picture-${seed}.png: ${picture.className} (${shown.json.top5![0].confidence.toFixed(2)}).`);
        if (seed === 3) await screenshotDemo(page, 'docs-demo-classify.png');
      }
      // NMS's IoU does not apply to a classifier: the demo greys it out rather than send it.
      expect(await page.locator('.demo-threshold input').nth(1).isDisabled()).toBe(true);
      expect(pageErrors).toEqual([]);
      await page.close();
    }, 240_000);
  },
  [],
);
