#!/usr/bin/env node
// A live source faster than the model (issue 18): a 1080p camera at 25 fps (frames decoded beforehand by FFmpeg,
// then given at their capture times), predicted in this process by yolov8n_fp32.onnx from the fixtures (about
// 10 frames/s here; --model picks another ONNX file, the default shapes model when the fixtures are absent). Under `latest` the stream predicts the newest frame and drops the rest: latency (capture to result)
// stays bounded; under `every` the backlog, and so the latency, grows with the run's length.
//
//   node bench/stream-live.mjs [--seconds 6] [--fps 25] [--model path.onnx] [--json artifacts/stream-live.json]
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { createModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath } from '@yolokit/default-model';
import { openVideo, predictFrames } from '@yolokit/stream';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, fps: { type: 'string', default: '25' }, model: { type: 'string' }, json: { type: 'string' } } });
const fixtures = process.env.YOLOKIT_FIXTURES ? resolve(process.env.YOLOKIT_FIXTURES) : resolve(import.meta.dirname, '../../shared/fixtures');
const fixtureModel = join(fixtures, 'models/yolov8n_fp32.onnx');
const modelPath = values.model ?? (existsSync(fixtureModel) ? fixtureModel : defaultModelPath('onnx'));
const fps = Number(values.fps);
const count = Math.round(Number(values.seconds) * fps);
const folder = await mkdtemp(join(tmpdir(), 'yolokit-stream-live-'));
const clip = join(folder, 'camera.mp4');
await promisify(execFile)('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=${fps}`, '-frames:v', String(count), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
const decoded = [];
for await (const frame of (await openVideo(clip)).frames()) decoded.push(frame);
await rm(folder, { recursive: true, force: true });

/** The camera: frame i at start + i / fps (wall clock), stamped with that capture time. */
async function* camera(captured) {
  const start = performance.now();
  for (const frame of decoded) {
    const due = start + (frame.index * 1000) / fps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // A camera captures on time whether or not it is read: the frame's age counts from its capture time.
    captured[frame.index] = due;
    yield frame;
  }
}

const model = await createModel({ backend: onnx(), model: modelPath, ...(modelPath === defaultModelPath('onnx') ? { defaults: DEFAULT_MODEL_PREDICT_DEFAULTS } : {}) });
await model.predict(decoded[0]);
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const results = { fps, frames: count, resolution: '1920x1080', model: modelPath.split('/').pop(), policies: {} };
for (const policy of ['latest', 'every']) {
  const captured = [];
  const latencies = [];
  let predicted = 0;
  let dropped = 0;
  const started = performance.now();
  // A live camera is read by its own loop: predictFrames reads the source continuously under `latest`. Under
  // `every` the camera's frames queue up in front of the model (Node buffers what the camera produced).
  for await (const frame of predictFrames(model, camera(captured), { policy, concurrency: 1, track: true })) {
    latencies.push(performance.now() - captured[frame.frame]);
    predicted += 1;
    dropped = frame.dropped;
  }
  const seconds = (performance.now() - started) / 1000;
  results.policies[policy] = {
    predicted,
    dropped,
    seconds,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies), lastFrame: latencies.at(-1) },
  };
}
await model.dispose();
console.log(`${results.model}, a ${fps} fps 1080p camera for ${values.seconds} s:`);
for (const [policy, r] of Object.entries(results.policies)) {
  console.log(
    `${policy.padEnd(6)} ${r.predicted} of ${count} frames predicted, ${r.dropped} dropped, ${r.seconds.toFixed(1)} s; latency p50 ${r.latencyMs.p50.toFixed(0)} ms, p95 ${r.latencyMs.p95.toFixed(0)} ms, max ${r.latencyMs.max.toFixed(0)} ms`,
  );
}
if (values.json) await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
