#!/usr/bin/env node
// Video through yolokit (issue 18): frames per second of a tracked stream per strategy against decoding alone (the
// limit: FFmpeg decoding to raw RGB on a pipe), and ByteTrack's cost per frame with 50 objects (goal < 1 ms).
//
// The clip is FFmpeg's testsrc2 pattern at 1920x1080, 25 fps, encoded to H.264 here; the model is the default
// shapes model (160x160 input), so a frame's cost is mostly decoding, the 1080p → 160 letterbox and the transfer
// of 6 MB of pixels to a worker. Each figure is the median of --repeats runs, all in the same run of this script.
//
//   node bench/stream-fps.mjs [--frames 60] [--repeats 3] [--strategies in-process,locked,threads,processes]
//                             [--json artifacts/stream-fps.json]
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { createPredictor } from '@yolokit/concurrency';
import { createModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath } from '@yolokit/default-model';
import { ByteTracker, openVideo, track } from '@yolokit/stream';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '60' },
    repeats: { type: 'string', default: '3' },
    strategies: { type: 'string', default: 'in-process,locked,threads,processes' },
    json: { type: 'string' },
  },
});
const frames = Number(values.frames);
const repeats = Number(values.repeats);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ByteTrack with 50 objects: each moves 2-6 px a frame in its own direction, boxes 20-60 px, over 300 frames.
function trackerCost() {
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const objects = Array.from({ length: 50 }, () => ({ x: random() * 1800, y: random() * 1000, vx: 2 + random() * 4, vy: -3 + random() * 6, size: 20 + random() * 40 }));
  const tracker = new ByteTracker({ frameRate: 25 });
  const times = [];
  for (let f = 0; f < 300; f++) {
    const detections = objects.map((o) => ({ box: [o.x + o.vx * f, o.y + o.vy * f, o.x + o.vx * f + o.size, o.y + o.vy * f + o.size], confidence: 0.5 + random() * 0.5, classId: 0 }));
    const start = performance.now();
    const tracked = tracker.update(detections);
    times.push(performance.now() - start);
    if (f > 1 && tracked.length !== 50) throw new Error(`frame ${f}: ${tracked.length} tracked of 50`);
  }
  // The first frames include the JIT warming up.
  return median(times.slice(50));
}

const folder = await mkdtemp(join(tmpdir(), 'yolokit-stream-fps-'));
const clip = join(folder, 'testsrc2-1080p.mp4');
await promisify(execFile)('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25`, '-frames:v', String(frames), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);

const spec = { backend: { module: '@yolokit/backend-onnx', export: 'onnx', threadsOption: 'intraOpNumThreads' }, model: defaultModelPath('onnx'), defaults: { ...DEFAULT_MODEL_PREDICT_DEFAULTS } };
const targets = {
  'in-process': async () => {
    const model = await createModel({ backend: onnx(), model: defaultModelPath('onnx'), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
    return { target: model, close: () => model.dispose() };
  },
  locked: async () => {
    const predictor = await createPredictor({ strategy: 'locked', offMainThread: true, model: spec });
    return { target: predictor, close: () => predictor.close() };
  },
  threads: async () => {
    const predictor = await createPredictor({ strategy: 'threads', workers: 2, threadsPerWorker: 1, model: spec });
    return { target: predictor, close: () => predictor.close() };
  },
  processes: async () => {
    const predictor = await createPredictor({ strategy: 'processes', workers: 2, threadsPerWorker: 1, model: spec });
    return { target: predictor, close: () => predictor.close() };
  },
};

async function decodeFps() {
  const video = await openVideo(clip);
  const start = performance.now();
  let n = 0;
  for await (const _ of video.frames()) n += 1;
  return n / ((performance.now() - start) / 1000);
}

const results = { machine: { cores: cpus().length, cpu: cpus()[0]?.model, load: loadavg()[0] }, frames, repeats, clip: '1920x1080 testsrc2 H.264', fps: {} };
results.trackerMsPerFrame50 = median(Array.from({ length: repeats }, trackerCost));
results.fps.decode = median(await sequential(repeats, decodeFps));
for (const name of values.strategies.split(',')) {
  const { target, close } = await targets[name]();
  const runs = [];
  // One warm-up pass, then the timed ones.
  for (let r = 0; r <= repeats; r++) {
    const start = performance.now();
    let n = 0;
    for await (const frame of track(target, clip, { concurrency: name === 'threads' || name === 'processes' ? 4 : 1 })) n += frame.tracks ? 1 : 0;
    if (n !== frames) throw new Error(`${name}: ${n} frames of ${frames}`);
    if (r > 0) runs.push(n / ((performance.now() - start) / 1000));
  }
  await close();
  results.fps[name] = median(runs);
}
await rm(folder, { recursive: true, force: true });

async function sequential(count, fn) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(await fn());
  return out;
}

console.log(`ByteTrack, 50 objects: ${results.trackerMsPerFrame50.toFixed(3)} ms per frame (median)`);
console.log(`1080p clip, ${frames} frames, frames per second (median of ${repeats}):`);
for (const [name, fps] of Object.entries(results.fps)) console.log(`  ${name.padEnd(11)} ${fps.toFixed(1)}${name === 'decode' ? ' (decoding alone: the limit)' : ` (${((100 * fps) / results.fps.decode).toFixed(0)}% of decoding)`}`);
if (values.json) await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
