#!/usr/bin/env node
// Fairness between streams on one pool (issue 18): several videos tracked at once through one shared predictor,
// each with its own tracker. How evenly does the pool serve them?
//
// Each stream caps its own frames in flight (`track(..., { concurrency })`, default 2), and the pool serves its
// queue first come, first served, so a stream's share of the pool should follow its cap, whatever its resolution
// or how fast its source decodes. Three scenarios, each run --repeats times on the same warm pool:
//   equal     4 identical 640x360 streams, cap 2 each
//   mixed     one 1920x1080 stream and three 640x360 streams, cap 2 each (9 times the pixels to decode)
//   greedy    one stream with cap 8 and three with cap 2 (a stream that asks for more gets more: the cap is the knob)
// A stream's rate is its frames delivered while every stream was still running (up to the first one's end),
// divided by that time; fairness is Jain's index over the rates (1 = perfectly even, 1/n = one stream takes all)
// and the slowest ÷ fastest rate. Medians over repeats, all in one run of this script.
//
//   node bench/stream-fairness.mjs [--model path.onnx] [--frames 48] [--repeats 3] [--strategy threads]
//                                  [--workers 2] [--json artifacts/stream-fairness.json]
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createPredictor } from '@yolokit/concurrency';
import { track } from '@yolokit/stream';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: '../shared/fixtures/models/yolov8n_int8.onnx' },
    frames: { type: 'string', default: '48' },
    repeats: { type: 'string', default: '3' },
    strategy: { type: 'string', default: 'threads' },
    workers: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
const frames = Number(values.frames);
const repeats = Number(values.repeats);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const jain = (xs) => xs.reduce((a, b) => a + b, 0) ** 2 / (xs.length * xs.reduce((a, b) => a + b * b, 0));

const folder = await mkdtemp(join(tmpdir(), 'yolokit-stream-fairness-'));
async function clip(name, size) {
  const path = join(folder, name);
  await promisify(execFile)('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-frames:v', String(frames), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', path]);
  return path;
}
const small = await clip('small.mp4', '640x360');
const big = await clip('big.mp4', '1920x1080');

const scenarios = {
  equal: [small, small, small, small].map((source) => ({ source, concurrency: 2 })),
  mixed: [big, small, small, small].map((source) => ({ source, concurrency: 2 })),
  greedy: [8, 2, 2, 2].map((concurrency) => ({ source: small, concurrency })),
};

const predictor = await createPredictor({
  strategy: values.strategy,
  workers: Number(values.workers),
  threadsPerWorker: 1,
  model: { backend: { module: '@yolokit/backend-onnx', export: 'onnx', threadsOption: 'intraOpNumThreads' }, model: values.model },
});

/** Runs the streams at once; the frames each delivered while all were running, as frames per second. */
async function runAtOnce(streams) {
  const start = performance.now();
  const done = streams.map(() => ({ times: [], end: 0 }));
  await Promise.all(
    streams.map(async ({ source, concurrency }, i) => {
      let last = -1;
      for await (const frame of track(predictor, source, { concurrency, predict: { conf: 0.25 } })) {
        // Every frame once and in order: the property the fairness must not cost.
        if (frame.frame !== last + 1) throw new Error(`stream ${i}: frame ${frame.frame} after ${last}`);
        last = frame.frame;
        done[i].times.push(performance.now() - start);
      }
      if (last !== frames - 1) throw new Error(`stream ${i}: ${last + 1} frames of ${frames}`);
      done[i].end = performance.now() - start;
    }),
  );
  const window = Math.min(...done.map((d) => d.end));
  return done.map((d) => d.times.filter((t) => t <= window).length / (window / 1000));
}

const load = [loadavg()[0]];
await runAtOnce(scenarios.equal.slice(0, 2)); // warm-up: the workers' first runs and the decoders' start
const results = {
  machine: { cores: cpus().length, cpu: cpus()[0]?.model },
  model: basename(values.model),
  strategy: values.strategy,
  workers: Number(values.workers),
  frames,
  repeats,
  scenarios: {},
};
for (const [name, streams] of Object.entries(scenarios)) {
  const runs = [];
  for (let r = 0; r < repeats; r++) runs.push(await runAtOnce(streams));
  const rates = streams.map((_, i) => median(runs.map((run) => run[i])));
  results.scenarios[name] = {
    streams: streams.map(({ source, concurrency }, i) => ({ clip: basename(source), concurrency, framesPerSecond: rates[i] })),
    jain: median(runs.map(jain)),
    slowestOverFastest: median(runs.map((run) => Math.min(...run) / Math.max(...run))),
    total: median(runs.map((run) => run.reduce((a, b) => a + b, 0))),
  };
}
load.push(loadavg()[0]);
results.machine.load = load;
await predictor.close();
await rm(folder, { recursive: true, force: true });

console.log(`${results.model} on ${values.strategy} × ${values.workers}, ${frames} frames a stream, medians of ${repeats} (load ${load.map((l) => l.toFixed(1)).join(' → ')})`);
for (const [name, s] of Object.entries(results.scenarios)) {
  const per = s.streams.map((x) => `${x.clip.replace('.mp4', '')}/cap ${x.concurrency}: ${x.framesPerSecond.toFixed(2)}`).join(', ');
  console.log(`  ${name.padEnd(7)} Jain ${s.jain.toFixed(3)}, slowest/fastest ${s.slowestOverFastest.toFixed(2)}, total ${s.total.toFixed(1)} frames/s  [${per}]`);
}
if (values.json) await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
