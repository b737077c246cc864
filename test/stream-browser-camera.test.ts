import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelDir, generateMovingScenes } from '@yolokit/default-model';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundlePage, CHROMIUM_ARGS, chromiumPath, describeWithBrowser, expectCleanRun, runPage, type StaticSite, serveStatic } from './support/browser.js';
import { FRAME_NUMBER_READER, fakeCameraArgs, writeFakeCameraClip } from './support/fake-camera-clip.js';
import { motMetrics } from './support/mot-metrics.js';

/**
 * `@yolokit/stream/browser` on a webcam in a real headless Chromium (issue 18): a clip of the default model's
 * crossing shapes (exact boxes and identities from the scene generator) is encoded by FFmpeg to Y4M and played by
 * Chromium's fake camera (`--use-file-for-fake-video-capture`); the page asks `getUserMedia` for it and tracks it
 * with `track(model, camera)` (onnxruntime-web on WebAssembly, the default shapes model), once per way of reading
 * a MediaStream (WebCodecs' MediaStreamTrackProcessor, and a hidden <video> with requestVideoFrameCallback).
 *
 * Live frames cannot be numbered from outside, so each generated frame carries its number (a grey square in its
 * corner, support/fake-camera-clip.ts); the page reads it from each predicted frame, which maps the frame exactly
 * to its ground truth.
 */

const FRAMES = 30;
const FPS = 10;
const SCENE = 160;
const PAGE_TIMEOUT = 120_000;

const PAGE_ENTRY = `
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel } from '@yolokit/core';
import { track } from '@yolokit/stream/browser';

${FRAME_NUMBER_READER}
async function main() {
  const params = new URL(location.href).searchParams;
  const method = params.get('method');
  const slowMs = Number(params.get('slow') ?? 0);
  const backend = onnxWeb({ executionProviders: ['wasm'], wasmPaths: location.origin + '/ort/', numThreads: 1 });
  const model = await createModel({ backend, model: '/model/yolokit-shapes.onnx', defaults: ${JSON.stringify(DEFAULT_MODEL_PREDICT_DEFAULTS)} });
  // A first run on a blank frame, so that the camera's first frames are not predicted cold.
  await model.predict({ data: new Uint8ClampedArray(${SCENE * SCENE * 4}).fill(114), width: ${SCENE}, height: ${SCENE}, channels: 4 });
  const camera = await navigator.mediaDevices.getUserMedia({ video: true });
  const cameraTrack = camera.getVideoTracks()[0];
  const frames = [];
  let last = -1;
  // A slow consumer: the model, each prediction held back slowMs, so that frames arrive faster than they are predicted.
  const predictor = slowMs > 0 ? { predict: (image, options) => new Promise((resolve) => setTimeout(resolve, slowMs)).then(() => model.predict(image, options)) } : model;
  for await (const frame of track(predictor, camera, { keepFrames: true, concurrency: 1, capture: { method } })) {
    const code = frameNumber(frame.image);
    // The fake camera plays the clip in a loop: stop when it starts again.
    if (code < last) break;
    last = code;
    frames.push({
      frame: frame.frame,
      dropped: frame.dropped,
      code,
      width: frame.width,
      height: frame.height,
      channels: frame.image.channels,
      detections: frame.result.detections.map((d) => d.box),
      tracks: frame.tracks.map((t) => ({ id: t.trackId, box: t.detection.box })),
    });
  }
  // Leaving the loop stopped the camera's track and the reading.
  const readyState = cameraTrack.readyState;
  await model.dispose();
  return { method, frames, readyState };
}

main().then(
  (report) => { window.__result = report; },
  (error) => { window.__result = { error: String(error?.stack ?? error) }; },
);
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>yolokit webcam tracking</title></head>
<body><script type="module" src="/app.js"></script></body></html>`;

type Box = [number, number, number, number];
interface PageReport {
  error?: string;
  method: string;
  readyState: string;
  frames: Array<{ frame: number; dropped: number; code: number; width: number; height: number; channels: number; detections: Box[]; tracks: Array<{ id: number; box: Box }> }>;
}

describeWithBrowser('@yolokit/stream/browser: tracking a webcam (Chromium fake camera playing a generated clip)', [], () => {
  let folder: string;
  let site: StaticSite;
  let browser: Browser;
  const clip = generateMovingScenes(21, { frames: FRAMES, objects: 4 });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'yolokit-webcam-'));
    const video = join(folder, 'shapes.y4m');
    await writeFakeCameraClip(clip, video, FPS);
    await bundlePage(PAGE_ENTRY, join(folder, 'app.js'));
    const require = createRequire(createRequire(import.meta.url).resolve('@yolokit/backend-onnx/package.json'));
    site = await serveStatic({ '/app.js': join(folder, 'app.js'), '/model/': defaultModelDir(), '/ort/': dirname(require.resolve('onnxruntime-web')) }, PAGE_HTML);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [...CHROMIUM_ARGS, ...fakeCameraArgs(video)],
    });
  }, PAGE_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  // The <video> run predicts slower than the camera's 10 frames/s (each prediction held 250 ms), so frames are dropped.
  for (const [method, slowMs] of [
    ['processor', 0],
    ['video', 250],
  ] as const) {
    it(`${method === 'processor' ? 'MediaStreamTrackProcessor' : 'a hidden <video>, predictions slower than the camera'}: every shape tracked with stable identities (MOTA, IDF1 ≥ 0.9), frames in order, dropped counted, the camera released`, async () => {
      const run = await runPage<PageReport>(browser, site, `/?method=${method}&slow=${slowMs}`, PAGE_TIMEOUT);
      const report = run.report!;
      expect(report.error, report.error).toBeUndefined();
      expectCleanRun(run);
      const frames = report.frames;
      expect(frames.length, 'frames predicted before the clip looped').toBeGreaterThanOrEqual(10);
      for (const f of frames) expect([f.width, f.height, f.channels]).toEqual([SCENE, SCENE, 4]);
      // In order: the stream's indexes and the clip's own frame numbers both increase, every one a frame of the clip.
      const indexes = frames.map((f) => f.frame);
      const codes = frames.map((f) => f.code);
      expect(indexes).toEqual([...new Set(indexes)].sort((a, b) => a - b));
      expect(codes).toEqual([...new Set(codes)].sort((a, b) => a - b));
      expect(codes.every((code) => code >= 0 && code < FRAMES)).toBe(true);
      // Every frame the stream read was predicted or counted dropped, once: delivered + dropped = frames seen.
      const last = frames.at(-1)!;
      expect(frames.length + last.dropped).toBe(last.frame + 1);
      // Held 250 ms a frame, the consumer takes at most one of every two frames of a 10 frames/s camera.
      if (slowMs > 0) expect(last.dropped).toBeGreaterThanOrEqual(frames.length / 2);
      expect(frames.map((f) => f.dropped)).toEqual([...frames.map((f) => f.dropped)].sort((a, b) => a - b));
      // Stopping the loop stopped the camera.
      expect(report.readyState).toBe('ended');

      const scores = motMetrics(
        frames.map((f) => ({
          truth: clip.frames[f.code].objects.map((o) => ({ id: o.id, box: o.box })),
          hypotheses: f.tracks.map((t) => ({ id: t.id, box: t.box })),
        })),
      );
      console.log(
        `${method}: ${frames.length} frames predicted (clip frames ${codes[0]}..${codes.at(-1)}), ${last.dropped} dropped; MOTA ${scores.mota.toFixed(3)} IDF1 ${scores.idf1.toFixed(3)} switches ${scores.idSwitches} misses ${scores.misses} fp ${scores.falsePositives}`,
      );
      expect(scores.mota).toBeGreaterThanOrEqual(0.9);
      expect(scores.idf1).toBeGreaterThanOrEqual(0.9);
      expect(scores.idSwitches).toBeLessThanOrEqual(2);
    }, PAGE_TIMEOUT);
  }
});
