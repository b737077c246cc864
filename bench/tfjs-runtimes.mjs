#!/usr/bin/env node
// Milliseconds per image of the COCO YOLOv8n on each TF.js runtime available here against onnxruntime-node, on
// the same weights (yolov8n_coco_web_model/ is yolov8n_fp32.onnx converted, see fixtures/PROVENANCE.md), the
// same image and the same core pipeline. Medians over interleaved rounds, and each runtime's ratio to
// onnxruntime-node measured in the same run (the machine is shared and noisy).
//
//   node bench/tfjs-runtimes.mjs [--runtimes wasm,cpu] [--rounds 3] [--iterations 3] [--threads 2] [--image bus.jpg]
import { availableParallelism, cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import { createModel } from '@yolokit/core';

const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(import.meta.dirname, '../../shared/fixtures');
const { values } = parseArgs({
  options: {
    runtimes: { type: 'string', default: 'wasm,cpu' },
    rounds: { type: 'string', default: '3' },
    iterations: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(availableParallelism()) },
    image: { type: 'string', default: 'bus.jpg' },
  },
});
const image = resolve(fixtures, 'images', values.image);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const contenders = [
  { label: 'onnxruntime-node (yolov8n_fp32.onnx)', open: () => createModel({ backend: onnx({ intraOpNumThreads: Number(values.threads) }), model: resolve(fixtures, 'models/yolov8n_fp32.onnx') }) },
  ...values.runtimes.split(',').map((runtime) => ({
    label: `tfjs ${runtime} (yolov8n_coco_web_model/)`,
    open: () => createModel({ backend: tfjs({ runtime }), model: resolve(fixtures, 'models/yolov8n_coco_web_model') }),
  })),
];

// One model at a time (TF.js runtimes are process-wide); a warm-up call first, then timed calls.
const samples = new Map(contenders.map((c) => [c.label, []]));
const runtimeNames = new Map();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const contender of round % 2 ? [...contenders].reverse() : contenders) {
    const model = await contender.open();
    runtimeNames.set(contender.label, model.info.runtime);
    await model.predict(image);
    for (let i = 0; i < Number(values.iterations); i++) {
      const start = performance.now();
      await model.predict(image);
      samples.get(contender.label).push(performance.now() - start);
    }
    await model.dispose();
  }
}

const base = median(samples.get(contenders[0].label));
console.log(`${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, ${values.image}, medians of ${values.rounds} rounds × ${values.iterations}`);
console.log('| model on | runtime | ms per image (median) | × onnxruntime-node |\n|---|---|---|---|');
for (const c of contenders) {
  const ms = median(samples.get(c.label));
  console.log(`| ${c.label} | ${runtimeNames.get(c.label)} | ${ms.toFixed(1)} | ${(ms / base).toFixed(2)} |`);
}
