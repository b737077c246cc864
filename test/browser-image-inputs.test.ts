/**
 * The browser's image objects as `predict` inputs, in a real headless Chromium (issue 16): a page bundled from
 * `yolo` of `@yolokit/backend-onnx/web` predicts bus.jpg given as encoded bytes, then as an ImageBitmap,
 * ImageData, HTMLCanvasElement, OffscreenCanvas, an HTMLImageElement still loading, and VideoFrames (RGBA, BGRA,
 * and one made from the bitmap). Every one must give exactly the detections of the bytes (same classes, boxes
 * within 1e-3 px): the same pixels, no colour conversion. A 4:2:0 YUV frame (a camera's kind), which the browser
 * converts to RGB, must find the same objects (IoU >= 0.9). A Web Worker (no DOM elements) decodes an
 * ImageBitmap and an OffscreenCanvas to the same boxes. Then the typed errors: a zero-size canvas, a closed
 * ImageBitmap and VideoFrame, a broken <img>, an abort while an <img> loads. yolo11n at 320 keeps it quick.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { yolo as yoloWeb } from '@yolokit/backend-onnx/web';
import { type Backend, CanvasImageDecoder, createModel, type ResultJSON, type YoloModel } from '@yolokit/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bestMatches, bundlePage, CHROMIUM_ARGS, chromiumPath, describeDetections, describeWithBrowser, expectCleanRun, runPage, type StaticSite, serveStatic } from './support/browser.js';
import { fixturePath } from './support/fixtures.js';

const MODEL = 'models/yolo11n_int8_320.onnx';
const IMAGE = 'images/bus.jpg';
const PAGE_TIMEOUT = 180_000;
/** Same pixels in, same float math: boxes agree to rounding. */
const MAX_BOX_DIFFERENCE_PX = 1e-3;
/** A YUV frame is the photo through 4:2:0 chroma and two colour conversions: close, not the same pixels. */
const MIN_IOU_YUV = 0.9;
const MIN_CONFIDENCE = 0.5;

const PAGE_ENTRY = `
import { yolo } from '@yolokit/backend-onnx/web';
import { ImageDecodeError, YoloError } from '@yolokit/core';

const outcomes = {};
const notes = {};
let model;

async function run(name, input, options) {
  try {
    outcomes[name] = { ok: true, result: (await model.predict(input, options)).toJSON() };
  } catch (error) {
    outcomes[name] = {
      ok: false,
      error: { name: error?.name, code: error?.code, message: error?.message ?? String(error), isImageDecodeError: error instanceof ImageDecodeError, isYoloError: YoloError.isInstance(error) },
    };
  }
}

async function main() {
  model = await yolo('/models/yolo11n_int8_320.onnx', { conf: 0.25, runtime: { wasmPaths: location.origin + '/ort/' } });
  try {
    const bytes = new Uint8Array(await (await fetch('/images/bus.jpg')).arrayBuffer());
    await run('bytes', bytes);

    const bitmap = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none' });
    const { width, height } = bitmap;
    await run('ImageBitmap', bitmap);
    notes.bitmapAfter = [bitmap.width, bitmap.height];

    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    await run('HTMLCanvasElement', canvas);
    const imageData = context.getImageData(0, 0, width, height);
    await run('ImageData', imageData);

    const offscreen = new OffscreenCanvas(width, height);
    offscreen.getContext('2d').drawImage(bitmap, 0, 0);
    await run('OffscreenCanvas', offscreen);

    const image = new Image();
    image.src = '/images/bus.jpg';
    notes.imageCompleteBefore = image.complete;
    await run('HTMLImageElement', image);

    const rgba = new VideoFrame(imageData.data, { format: 'RGBA', codedWidth: width, codedHeight: height, timestamp: 0 });
    await run('VideoFrame RGBA', rgba);
    notes.rgbaFrameAfter = rgba.format;
    const bgraBytes = new Uint8Array(imageData.data);
    for (let i = 0; i < bgraBytes.length; i += 4) [bgraBytes[i], bgraBytes[i + 2]] = [bgraBytes[i + 2], bgraBytes[i]];
    const bgra = new VideoFrame(bgraBytes, { format: 'BGRA', codedWidth: width, codedHeight: height, timestamp: 0 });
    await run('VideoFrame BGRA', bgra);
    bgra.close();
    // A camera's kind of frame: 4:2:0 YUV (BT.709, full range), which the decoder draws (the browser converts it to RGB).
    const i420 = new Uint8Array(width * height * 3 / 2);
    const rgb = imageData.data;
    const luma = (p) => 0.2126 * rgb[p] + 0.7152 * rgb[p + 1] + 0.0722 * rgb[p + 2];
    for (let p = 0; p < width * height; p++) i420[p] = Math.round(luma(p * 4));
    for (let y = 0; y < height / 2; y++) {
      for (let x = 0; x < width / 2; x++) {
        let u = 0;
        let v = 0;
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          const p = ((2 * y + dy) * width + 2 * x + dx) * 4;
          const l = luma(p);
          u += (rgb[p + 2] - l) / 1.8556 / 4;
          v += (rgb[p] - l) / 1.5748 / 4;
        }
        i420[width * height + y * (width / 2) + x] = Math.max(0, Math.min(255, Math.round(u + 128)));
        i420[width * height * 5 / 4 + y * (width / 2) + x] = Math.max(0, Math.min(255, Math.round(v + 128)));
      }
    }
    const yuv = new VideoFrame(i420, {
      format: 'I420', codedWidth: width, codedHeight: height, timestamp: 0,
      colorSpace: { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: true },
    });
    await run('VideoFrame I420', yuv);
    yuv.close();
    const fromBitmap = new VideoFrame(bitmap, { timestamp: 0 });
    notes.bitmapFrameFormat = fromBitmap.format;
    await run('VideoFrame from ImageBitmap', fromBitmap);
    fromBitmap.close();

    const empty = document.createElement('canvas');
    empty.width = 0;
    empty.height = 0;
    await run('zero-size HTMLCanvasElement', empty);
    await run('zero-size OffscreenCanvas', new OffscreenCanvas(0, 0));
    const worker = new Worker('/worker.js', { type: 'module' });
    const transferred = await createImageBitmap(bitmap);
    const answer = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (event) => reject(new Error('worker: ' + event.message));
      worker.postMessage({ origin: location.origin, bitmap: transferred }, [transferred]);
    });
    worker.terminate();
    notes.worker = { ok: answer.ok, error: answer.error, hasHTMLImageElement: answer.hasHTMLImageElement };
    for (const [name, result] of Object.entries(answer.outcomes ?? {})) outcomes[name] = { ok: true, result };

    bitmap.close();
    await run('closed ImageBitmap', bitmap);
    rgba.close();
    await run('closed VideoFrame', rgba);
    const broken = new Image();
    broken.src = 'data:image/jpeg;base64,AAAAAAAA';
    await run('broken HTMLImageElement', broken);
    const loading = new Image();
    loading.src = '/images/bus.jpg?abort';
    const controller = new AbortController();
    const aborted = run('aborted while loading', loading, { signal: controller.signal });
    controller.abort();
    await aborted;
    return { ok: true, outcomes, notes };
  } finally {
    await model.dispose();
  }
}

main().then(
  (report) => { window.__result = report; },
  (error) => { window.__result = { ok: false, error: { message: error?.message ?? String(error) }, outcomes, notes }; },
);
`;

/** The same in a Web Worker, which has ImageBitmap, OffscreenCanvas, ImageData and VideoFrame but no DOM elements. */
const WORKER_ENTRY = `
import { yolo } from '@yolokit/backend-onnx/web';

self.onmessage = async ({ data: { origin, bitmap } }) => {
  const outcomes = {};
  try {
    const model = await yolo(origin + '/models/yolo11n_int8_320.onnx', { conf: 0.25, runtime: { wasmPaths: origin + '/ort/' } });
    try {
      outcomes['worker ImageBitmap'] = (await model.predict(bitmap)).toJSON();
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      outcomes['worker OffscreenCanvas'] = (await model.predict(canvas)).toJSON();
    } finally {
      await model.dispose();
      bitmap.close();
    }
    self.postMessage({ ok: true, outcomes, hasHTMLImageElement: typeof HTMLImageElement !== 'undefined' });
  } catch (error) {
    self.postMessage({ ok: false, error: { message: error?.message ?? String(error), code: error?.code } });
  }
};
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>yolokit browser inputs</title></head>
<body><script type="module" src="/app.js"></script></body></html>`;

type Outcome = { ok: true; result: ResultJSON } | { ok: false; error: { name?: string; code?: string; message: string; isImageDecodeError: boolean; isYoloError: boolean } };

interface PageReport {
  ok: boolean;
  error?: { message: string };
  outcomes: Record<string, Outcome>;
  notes: {
    bitmapAfter?: [number, number];
    imageCompleteBefore?: boolean;
    rgbaFrameAfter?: string | null;
    bitmapFrameFormat?: string | null;
    worker?: { ok: boolean; error?: { message: string }; hasHTMLImageElement?: boolean };
  };
}

const SAME_AS_BYTES = [
  'ImageBitmap',
  'HTMLCanvasElement',
  'ImageData',
  'OffscreenCanvas',
  'HTMLImageElement',
  'VideoFrame RGBA',
  'VideoFrame BGRA',
  'VideoFrame from ImageBitmap',
  'worker ImageBitmap',
  'worker OffscreenCanvas',
] as const;

/**
 * Compile-time half of the test (`npm run typecheck -w @yolokit/tests`): the web one-liner's model takes the
 * browser's image objects by type; Node's model (sharp) does not.
 */
export async function typedBrowserInputs(
  model: Awaited<ReturnType<typeof yoloWeb>>,
  nodeModel: YoloModel,
  backend: Backend,
  inputs: { image: HTMLImageElement; canvas: HTMLCanvasElement; offscreen: OffscreenCanvas; bitmap: ImageBitmap; frame: VideoFrame; data: ImageData },
): Promise<void> {
  for (const input of [inputs.image, inputs.canvas, inputs.offscreen, inputs.bitmap, inputs.frame, inputs.data, 'bus.jpg', new Uint8Array(4)]) void model.predict(input);
  // @ts-expect-error Node's YoloModel takes ImageInput: no HTMLCanvasElement
  void nodeModel.predict(inputs.canvas);
  // Core's createModel (here its Node types) gives a model that takes what its decoder takes.
  const canvasModel = await createModel({ backend, model: 'model.onnx', imageDecoder: new CanvasImageDecoder() });
  void canvasModel.predict(inputs.frame);
}

describeWithBrowser("the browser's image objects as inputs in headless Chromium: yolo11n_int8_320 on bus.jpg", [MODEL, IMAGE], () => {
  let bundleDir: string;
  let site: StaticSite;
  let browser: Browser;
  let report: PageReport;

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), 'yolokit-browser-inputs-'));
    await bundlePage(PAGE_ENTRY, join(bundleDir, 'app.js'));
    await bundlePage(WORKER_ENTRY, join(bundleDir, 'worker.js'));
    const require = createRequire(createRequire(import.meta.url).resolve('@yolokit/backend-onnx/package.json'));
    site = await serveStatic(
      { '/app.js': join(bundleDir, 'app.js'), '/worker.js': join(bundleDir, 'worker.js'), '/models/': fixturePath('models'), '/images/': fixturePath('images'), '/ort/': dirname(require.resolve('onnxruntime-web')) },
      PAGE_HTML,
    );
    browser = await chromium.launch({ executablePath: chromiumPath, args: [...CHROMIUM_ARGS] });
    const run = await runPage<PageReport>(browser, site, '/', PAGE_TIMEOUT - 20_000);
    report = run.report!;
    expect(report.ok, `page error: ${JSON.stringify(report.error)}\n${run.errors.join('\n')}`).toBe(true);
    expectCleanRun(run);
  }, PAGE_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  it('finds in each image object exactly what it finds in the encoded bytes', () => {
    const bytes = report.outcomes.bytes;
    expect(bytes.ok, JSON.stringify(bytes)).toBe(true);
    const reference = (bytes as { result: ResultJSON }).result;
    expect(reference).toMatchObject({ width: 810, height: 1080 });
    expect(reference.detections.filter((d) => d.className === 'bus' && d.confidence >= MIN_CONFIDENCE).length, describeDetections(reference.detections)).toBe(1);
    expect(reference.detections.filter((d) => d.className === 'person' && d.confidence >= MIN_CONFIDENCE).length, describeDetections(reference.detections)).toBeGreaterThanOrEqual(3);
    for (const name of SAME_AS_BYTES) {
      const outcome = report.outcomes[name];
      expect(outcome?.ok, `${name}: ${JSON.stringify(outcome)}`).toBe(true);
      const result = (outcome as { result: ResultJSON }).result;
      const context = `${name}:\n${describeDetections(result.detections)}\nvs bytes:\n${describeDetections(reference.detections)}`;
      expect({ width: result.width, height: result.height }, context).toEqual({ width: 810, height: 1080 });
      expect(result.detections.map((d) => d.className), context).toEqual(reference.detections.map((d) => d.className));
      result.detections.forEach((detection, i) => {
        const difference = Math.max(...detection.box.map((v, k) => Math.abs(v - reference.detections[i].box[k])));
        expect(difference, context).toBeLessThanOrEqual(MAX_BOX_DIFFERENCE_PX);
      });
    }
  });

  it('finds in a 4:2:0 YUV VideoFrame, converted by the browser, what it finds in the bytes', () => {
    const outcome = report.outcomes['VideoFrame I420'];
    expect(outcome?.ok, JSON.stringify(outcome)).toBe(true);
    const result = (outcome as { result: ResultJSON }).result;
    const reference = (report.outcomes.bytes as { result: ResultJSON }).result;
    expect({ width: result.width, height: result.height }).toEqual({ width: 810, height: 1080 });
    const matches = [...bestMatches(result.detections, reference.detections, MIN_CONFIDENCE), ...bestMatches(reference.detections, result.detections, MIN_CONFIDENCE)];
    const context = `${describeDetections(result.detections)}\nvs bytes:\n${describeDetections(reference.detections)}`;
    expect(matches.length, context).toBeGreaterThanOrEqual(8);
    for (const { detection, iou } of matches) expect(iou, `${detection.className}: ${context}`).toBeGreaterThanOrEqual(MIN_IOU_YUV);
  });

  it('decodes in a Web Worker, which has no DOM elements', () => {
    expect(report.notes.worker).toEqual({ ok: true, hasHTMLImageElement: false });
  });

  it("leaves the caller's bitmap and frames open, and waits for an <img> still loading", () => {
    expect(report.notes.bitmapAfter).toEqual([810, 1080]);
    expect(report.notes.rgbaFrameAfter).toBe('RGBA');
    expect(report.notes.imageCompleteBefore).toBe(false);
  });

  it('refuses a zero-size canvas, a closed ImageBitmap or VideoFrame and a broken <img> with typed ImageDecodeErrors', () => {
    const expected: Record<string, { code: string; message: RegExp }> = {
      'zero-size HTMLCanvasElement': { code: 'IMAGE_TOO_SMALL', message: /^image <HTMLCanvasElement 0x0> is 0x0 pixels; yolokit needs at least 2x2/ },
      'zero-size OffscreenCanvas': { code: 'IMAGE_TOO_SMALL', message: /^image <OffscreenCanvas 0x0> is 0x0 pixels; yolokit needs at least 2x2/ },
      'closed ImageBitmap': { code: 'IMAGE_UNREADABLE', message: /^<ImageBitmap 0x0> is closed \(close\(\) was called or it was transferred\): keep it open until predict\(\) settles/ },
      'closed VideoFrame': { code: 'IMAGE_UNREADABLE', message: /^<VideoFrame 0x0> is closed \(close\(\) was called or it was transferred\): keep it open until predict\(\) settles/ },
      'broken HTMLImageElement': { code: 'IMAGE_UNREADABLE', message: /^<HTMLImageElement data:image\/jpeg;base64,AAAAAAAA> has no image: .*\(its src is missing, failed to load or is not an image\)$/ },
    };
    for (const [name, { code, message }] of Object.entries(expected)) {
      const outcome = report.outcomes[name];
      expect(outcome?.ok, `${name}: ${JSON.stringify(outcome)}`).toBe(false);
      const { error } = outcome as Extract<Outcome, { ok: false }>;
      expect({ code: error.code, isImageDecodeError: error.isImageDecodeError }, name).toEqual({ code, isImageDecodeError: true });
      expect(error.message, name).toMatch(message);
    }
  });

  it('stops waiting for an <img> when the signal aborts', () => {
    const outcome = report.outcomes['aborted while loading'];
    expect(outcome?.ok, JSON.stringify(outcome)).toBe(false);
    const { error } = outcome as Extract<Outcome, { ok: false }>;
    expect({ code: error.code, isYoloError: error.isYoloError }).toEqual({ code: 'ABORTED', isYoloError: true });
  });
});
