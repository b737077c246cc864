#!/usr/bin/env node
// Postprocess time per task against the same model's inference time, measured in one run (the machines are
// shared and noisy: compare within a run). Postprocess is everything after `session.run`: output decoding, NMS,
// box mapping and the task's extras (masks from prototypes, crop-first; keypoints through the letterbox).
// Issue 13's target: a segmentation model's postprocess for bus.jpg at most 20% of its inference.
//
//   node bench/task-postprocess.mjs [--rounds 5] [--iterations 6] [--threads 1] [--json out.json]
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { createModel } from '@yolokit/core';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '6' },
    threads: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const configs = [
  { model: 'yolov8n_int8.onnx', options: {} },
  { model: 'yolov8n-seg_int8.onnx', options: {} },
  { model: 'yolov8n-seg_int8.onnx', options: { retinaMasks: true } },
  { model: 'yolov8n-seg_fp32.onnx', options: {} },
  { model: 'yolov8n-seg_fp32.onnx', options: { retinaMasks: true } },
  { model: 'yolo11n-pose_fp32.onnx', options: {} },
];
const images = ['bus.jpg', 'zidane.jpg'];
const models = new Map();
for (const { model } of configs) {
  if (!models.has(model)) {
    models.set(model, await createModel({ backend: onnx({ intraOpNumThreads: Number(values.threads) }), model: resolve(fixtures, 'models', model) }));
  }
}
// Per config and image: per round, the medians of postprocess and inference; rounds interleave the configs.
const samples = new Map();
for (let round = 0; round < rounds + 1; round++) {
  for (const config of configs) {
    for (const image of images) {
      const key = `${config.model}|${JSON.stringify(config.options)}|${image}`;
      const post = [];
      const inference = [];
      let detections = 0;
      for (let i = 0; i < iterations; i++) {
        const result = await models.get(config.model).predict(resolve(fixtures, 'images', image), config.options);
        post.push(result.speed.postprocess);
        inference.push(result.speed.inference);
        detections = result.detections.length;
      }
      if (round === 0) continue; // warm-up round
      const entry = samples.get(key) ?? { ...config, image, task: models.get(config.model).info.task, detections, post: [], inference: [], ratio: [] };
      entry.post.push(median(post));
      entry.inference.push(median(inference));
      entry.ratio.push(median(post) / median(inference));
      samples.set(key, entry);
    }
  }
}
for (const model of models.values()) await model.dispose();

const rows = [...samples.values()].map((e) => ({
  model: e.model,
  task: e.task,
  options: e.options,
  image: e.image,
  detections: e.detections,
  postprocessMs: median(e.post),
  inferenceMs: median(e.inference),
  ratio: median(e.ratio),
  ratioMin: Math.min(...e.ratio),
  ratioMax: Math.max(...e.ratio),
}));
console.log('| model | task | options | image | detections | postprocess ms | inference ms | postprocess ÷ inference |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const options = Object.keys(r.options).length ? Object.entries(r.options).map(([k, v]) => `${k}=${v}`).join(' ') : '';
  console.log(
    `| ${r.model} | ${r.task} | ${options} | ${r.image} | ${r.detections} | ${r.postprocessMs.toFixed(2)} | ${r.inferenceMs.toFixed(1)} | ${r.ratio.toFixed(3)} (${r.ratioMin.toFixed(3)}..${r.ratioMax.toFixed(3)}) |`,
  );
}
if (values.json) await writeFile(values.json, `${JSON.stringify({ rounds, iterations, threads: Number(values.threads), rows }, null, 2)}\n`);
