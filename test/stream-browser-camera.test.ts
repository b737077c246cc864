import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { createModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelDir, defaultModelPath, generateMovingScenes } from '@yolokit/default-model';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundlePage, bestMatches, CHROMIUM_ARGS, chromiumPath, describeWithBrowser, expectCleanRun, runPage, type StaticSite, serveStatic } from './support/browser.js';
import { FRAME_NUMBER_READER, fakeCameraArgs, writeNumberedClip } from './support/fake-camera-clip.js';
import { motMetrics } from './support/mot-metrics.js';

/**
 * `@yolokit/stream/browser` on a webcam in a real headless Chromium (issue 18): a clip of the default model's
 * crossing shapes (exact boxes and identities from the scene generator) is encoded by FFmpeg to Y4M and played by
 * Chromium's fake camera (`--use-file-for-fake-video-capture`); the page asks `getUserMedia` for it and tracks it
 * with `track(model, camera)` (onnxruntime-web on WebAssembly, the default shapes model), once per way of reading
 * a MediaStream (WebCodecs' MediaStreamTrackProcessor, and a hidden <video> with requestVideoFrameCallback). The
 * same clip as VideoFrames made in the page from a canvas goes through `track(model, frames)` too, and its
 * detections are compared with onnxruntime-node's on the same pixels; and as a lossless VP9 file in a <video>.
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
import { stream, track } from '@yolokit/stream/browser';

${FRAME_NUMBER_READER}
/** requestVideoFrameCallback handles neither fired nor cancelled yet, per video: what is left running. */
const waiting = new Map();
const requestCallback = HTMLVideoElement.prototype.requestVideoFrameCallback;
const cancelCallback = HTMLVideoElement.prototype.cancelVideoFrameCallback;
HTMLVideoElement.prototype.requestVideoFrameCallback = function (callback) {
  const handles = waiting.get(this) ?? new Set();
  waiting.set(this, handles);
  const handle = requestCallback.call(this, (...args) => {
    handles.delete(handle);
    callback(...args);
  });
  handles.add(handle);
  return handle;
};
HTMLVideoElement.prototype.cancelVideoFrameCallback = function (handle) {
  waiting.get(this)?.delete(handle);
  cancelCallback.call(this, handle);
};
const callbacksLeft = () => [...waiting.values()].reduce((sum, handles) => sum + handles.size, 0);
const videosUsed = () => waiting.size;

/** The clip (raw RGB, /clip.rgb) as VideoFrames made from a canvas, timestamps 100 ms apart. */
async function videoFramesOfClip() {
  const bytes = new Uint8Array(await (await fetch('/clip.rgb')).arrayBuffer());
  const size = ${SCENE * SCENE * 3};
  const canvas = new OffscreenCanvas(${SCENE}, ${SCENE});
  const context = canvas.getContext('2d');
  return Array.from({ length: bytes.length / size }, (_, i) => {
    const rgba = new ImageData(${SCENE}, ${SCENE});
    for (let p = 0; p < ${SCENE * SCENE}; p++) {
      for (let c = 0; c < 3; c++) rgba.data[p * 4 + c] = bytes[i * size + p * 3 + c];
      rgba.data[p * 4 + 3] = 255;
    }
    context.putImageData(rgba, 0, 0);
    return new VideoFrame(canvas, { timestamp: i * 100000 });
  });
}

async function framesMode(model) {
  const given = await videoFramesOfClip();
  const frames = [];
  for await (const frame of track(model, given)) {
    frames.push({ frame: frame.frame, time: frame.time, dropped: frame.dropped, detections: frame.result.detections.map((d) => d.box), tracks: frame.tracks.map((t) => ({ id: t.trackId, box: t.detection.box })) });
  }
  // A closed VideoFrame has no format any more.
  const closed = given.filter((f) => f.format === null).length;
  const kept = await videoFramesOfClip();
  let keptResults = 0;
  for await (const _ of stream(model, kept, { capture: { close: false } })) keptResults += 1;
  const open = kept.filter((f) => f.format !== null).length;
  for (const f of kept) f.close();
  let refused;
  try {
    for await (const _ of stream(model, [], { capture: { method: 'video' } })) break;
  } catch (error) {
    refused = { code: error.code, message: error.message };
  }
  return { mode: 'frames', frames, closed, open, keptResults, refused };
}

async function elementMode(model) {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.src = '/clip.webm';
  document.body.append(video);
  await video.play();
  const frames = [];
  // No break: the stream ends when the video does.
  for await (const frame of track(model, video, { keepFrames: true })) {
    frames.push({ frame: frame.frame, dropped: frame.dropped, code: frameNumber(frame.image), tracks: frame.tracks.map((t) => ({ id: t.trackId, box: t.detection.box })) });
  }
  return { mode: 'element', frames, ended: video.ended, callbacksLeft: callbacksLeft(), videosUsed: videosUsed() };
}

async function main() {
  const params = new URL(location.href).searchParams;
  const method = params.get('method');
  const slowMs = Number(params.get('slow') ?? 0);
  const backend = onnxWeb({ executionProviders: ['wasm'], wasmPaths: location.origin + '/ort/', numThreads: 1 });
  const model = await createModel({ backend, model: '/model/yolokit-shapes.onnx', defaults: ${JSON.stringify(DEFAULT_MODEL_PREDICT_DEFAULTS)} });
  // A first run on a blank frame, so that the camera's first frames are not predicted cold.
  await model.predict({ data: new Uint8ClampedArray(${SCENE * SCENE * 4}).fill(114), width: ${SCENE}, height: ${SCENE}, channels: 4 });
  if (params.get('mode') === 'frames') return framesMode(model);
  if (params.get('mode') === 'element') return elementMode(model);
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
  return { method, frames, readyState, callbacksLeft: callbacksLeft(), videosUsed: videosUsed() };
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
interface ElementReport {
  error?: string;
  callbacksLeft: number;
  videosUsed: number;
  ended: boolean;
  frames: Array<{ frame: number; dropped: number; code: number; tracks: Array<{ id: number; box: Box }> }>;
}
interface FramesReport {
  error?: string;
  frames: Array<{ frame: number; time: number; dropped: number; detections: Box[]; tracks: Array<{ id: number; box: Box }> }>;
  closed: number;
  open: number;
  keptResults: number;
  refused: { code: string; message: string } | undefined;
}
interface PageReport {
  error?: string;
  method: string;
  readyState: string;
  callbacksLeft: number;
  videosUsed: number;
  frames: Array<{ frame: number; dropped: number; code: number; width: number; height: number; channels: number; detections: Box[]; tracks: Array<{ id: number; box: Box }> }>;
}

describeWithBrowser('@yolokit/stream/browser in headless Chromium: a webcam (fake camera playing a generated clip) and VideoFrames', [], () => {
  let folder: string;
  let site: StaticSite;
  let browser: Browser;
  const clip = generateMovingScenes(21, { frames: FRAMES, objects: 4 });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'yolokit-webcam-'));
    const video = join(folder, 'shapes.y4m');
    await writeNumberedClip(clip, video, FPS);
    await writeNumberedClip(clip, join(folder, 'clip.webm'), FPS);
    await writeFile(join(folder, 'clip.rgb'), Buffer.concat(clip.frames.map((frame) => frame.data)));
    await bundlePage(PAGE_ENTRY, join(folder, 'app.js'));
    const require = createRequire(createRequire(import.meta.url).resolve('@yolokit/backend-onnx/package.json'));
    site = await serveStatic({ '/app.js': join(folder, 'app.js'), '/clip.rgb': join(folder, 'clip.rgb'), '/clip.webm': join(folder, 'clip.webm'), '/model/': defaultModelDir(), '/ort/': dirname(require.resolve('onnxruntime-web')) }, PAGE_HTML);
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
      // Stopping the loop stopped the camera, and left no frame callback waiting (the hidden <video> read through one).
      expect(report.readyState).toBe('ended');
      expect([report.videosUsed, report.callbacksLeft]).toEqual([method === 'video' ? 1 : 0, 0]);

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

  it('VideoFrames (an iterable): every frame predicted in order as onnxruntime-node predicts the same pixels, tracked (MOTA, IDF1 ≥ 0.9), each frame closed once read unless close: false', async () => {
    const run = await runPage<FramesReport>(browser, site, '/?mode=frames', PAGE_TIMEOUT);
    const report = run.report!;
    expect(report.error, report.error).toBeUndefined();
    expectCleanRun(run);
    // 'every' for VideoFrames: all 30, in order, none dropped, times from the frames' timestamps.
    expect(report.frames.map((f) => f.frame)).toEqual(clip.frames.map((_, i) => i));
    expect(report.frames.map((f) => f.dropped)).toEqual(clip.frames.map(() => 0));
    expect(report.frames.map((f) => Math.round(f.time * 10))).toEqual(clip.frames.map((_, i) => i));
    // The same detections as onnxruntime-node on the same RGB pixels (canvas -> VideoFrame -> canvas is lossless).
    const model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: defaultModelPath('onnx'), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
    try {
      for (const [i, frame] of clip.frames.entries()) {
        const node = (await model.predict({ data: frame.data, width: frame.width, height: frame.height, channels: 3 })).toJSON().detections;
        const browserBoxes = report.frames[i].detections;
        expect(browserBoxes.length, `frame ${i}`).toBe(node.length);
        const page = browserBoxes.map((box) => ({ box, confidence: 1, classId: 0, className: '' }));
        const ours = node.map((d) => ({ ...d, confidence: 1, classId: 0 }));
        for (const { iou } of bestMatches(ours, page, 0)) expect(iou, `frame ${i}`).toBeGreaterThanOrEqual(0.99);
      }
    } finally {
      await model.dispose();
    }
    const scores = motMetrics(report.frames.map((f, i) => ({ truth: clip.frames[i].objects.map((o) => ({ id: o.id, box: o.box })), hypotheses: f.tracks })));
    console.log(`VideoFrames: MOTA ${scores.mota.toFixed(3)} IDF1 ${scores.idf1.toFixed(3)} switches ${scores.idSwitches}`);
    expect(scores.mota).toBeGreaterThanOrEqual(0.9);
    expect(scores.idf1).toBeGreaterThanOrEqual(0.9);
    // Closed once read; with close: false left open (30 results); a capture option of another source refused.
    expect(report.closed).toBe(FRAMES);
    expect([report.keptResults, report.open]).toEqual([FRAMES, FRAMES]);
    expect(report.refused).toEqual({ code: 'INVALID_OPTION', message: 'options.capture.method does not apply to VideoFrames; its capture options: close' });
  }, PAGE_TIMEOUT);

  it('a <video> playing a file: its frames tracked in order (MOTA, IDF1 ≥ 0.9), dropped counted, and the stream ends with the video', async () => {
    const run = await runPage<ElementReport>(browser, site, '/?mode=element', PAGE_TIMEOUT);
    const report = run.report!;
    expect(report.error, report.error).toBeUndefined();
    expectCleanRun(run);
    expect(report.ended).toBe(true);
    expect([report.videosUsed, report.callbacksLeft]).toEqual([1, 0]);
    const frames = report.frames;
    expect(frames.length).toBeGreaterThanOrEqual(10);
    const codes = frames.map((f) => f.code);
    expect(frames.map((f) => f.frame)).toEqual([...new Set(frames.map((f) => f.frame))].sort((a, b) => a - b));
    expect(codes).toEqual([...new Set(codes)].sort((a, b) => a - b));
    expect(codes.every((code) => code >= 0 && code < FRAMES)).toBe(true);
    const last = frames.at(-1)!;
    expect(frames.length + last.dropped).toBe(last.frame + 1);
    const scores = motMetrics(frames.map((f) => ({ truth: clip.frames[f.code].objects.map((o) => ({ id: o.id, box: o.box })), hypotheses: f.tracks })));
    console.log(`<video> file: ${frames.length} frames predicted (clip frames ${codes[0]}..${codes.at(-1)}), ${last.dropped} dropped; MOTA ${scores.mota.toFixed(3)} IDF1 ${scores.idf1.toFixed(3)} switches ${scores.idSwitches}`);
    expect(scores.mota).toBeGreaterThanOrEqual(0.9);
    expect(scores.idf1).toBeGreaterThanOrEqual(0.9);
  }, PAGE_TIMEOUT);
});
