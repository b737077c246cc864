#!/usr/bin/env node
// How much coco32 mAP depends on the resampling kernel of the letterbox, per model: the same pipeline (core's
// letterbox geometry, decoder, NMS, the test suite's COCO evaluator) with only libvips' resize kernel changed.
// It explains the one reference gap left (yolo11n_int8_320, see test/accuracy-onnx.test.ts): at 320 the
// dynamic-int8 model swings by about 0.02 mAP50-95 between ordinary kernels, at 640 by well under 0.01.
//
// Two more measures of how precisely 32 images can pin an int8 model's mAP down:
// - `--dither N`: N runs of core's own letterbox with seeded ±1-level noise on half the pixels (a change no
//   reader of the image could see); the spread of mAP over the seeds is the noise floor of the measurement.
// - `--runtime web`: the same pixels through onnxruntime-web's WebAssembly build instead of onnxruntime-node;
//   dynamic-int8 convolutions are computed by other kernels there.
//
//   node bench/resize-kernel-map.mjs [--models yolo11n_int8_320.onnx,yolov8n_int8.onnx] [--kernels nearest,linear,cubic,lanczos3]
//                                    [--runtime node|web] [--dither 12]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel, letterboxGeometry } from '@yolokit/core';
import { build } from 'esbuild';
import sharp from 'sharp';

const root = resolve(import.meta.dirname, '..');
const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(root, '../shared/fixtures');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'yolo11n_int8_320.onnx,yolov8n_int8.onnx' },
    kernels: { type: 'string', default: 'nearest,linear,cubic,mitchell,lanczos3' },
    runtime: { type: 'string', default: 'node' },
    dither: { type: 'string', default: '0' },
  },
});
if (values.runtime !== 'node' && values.runtime !== 'web') throw new Error(`--runtime: '${values.runtime}' is not a runtime; use node or web`);
const ditherRuns = Number(values.dither);
if (!Number.isInteger(ditherRuns) || ditherRuns < 0) throw new Error(`--dither: '${values.dither}' is not a count of runs; give a whole number ≥ 0`);
const backend = () => (values.runtime === 'web' ? onnxWeb() : onnx({ intraOpNumThreads: 1 }));

// The COCO label reader and mAP evaluator are the test suite's own (TypeScript): bundle them for this script.
// Inside the repo, so that their imports (sharp) resolve from its node_modules.
const cache = resolve(root, 'node_modules/.cache');
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(join(cache, 'yolokit-kernel-map-'));
await build({
  entryPoints: ['coco-labels.ts', 'map-evaluator.ts'].map((f) => resolve(root, 'test/support', f)),
  outdir: out,
  format: 'esm',
  platform: 'node',
  bundle: true,
  packages: 'external',
  logLevel: 'warning',
});
const { loadCoco32 } = await import(join(out, 'coco-labels.js'));
const { evaluateDetections } = await import(join(out, 'map-evaluator.js'));
rmSync(out, { recursive: true, force: true });

/** core's letterbox (geometry, padding 114), with the resize kernel swapped; `noise` changes pixels afterwards. */
const decoderWith = (kernel, noise = () => 0) => ({
  async letterbox(image, target) {
    // As SharpImageDecoder: no ICC profile applied, EXIF orientation applied.
    const source = sharp(readFileSync(image), { failOn: 'error', ignoreIcc: true });
    const { width, height, orientation = 1 } = await source.metadata();
    const g = orientation >= 5 ? letterboxGeometry(height, width, target.width, target.height) : letterboxGeometry(width, height, target.width, target.height);
    const pixels = await source
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel })
      .extend({ top: g.top, bottom: g.bottom, left: g.left, right: g.right, background: { r: 114, g: 114, b: 114 } })
      .raw()
      .toBuffer();
    const out = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    for (let y = g.top; y < g.top + g.resizedHeight; y++) {
      for (let i = (y * target.width + g.left) * 3, end = i + g.resizedWidth * 3; i < end; i++) {
        out[i] = Math.min(255, Math.max(0, out[i] + noise()));
      }
    }
    return { pixels: out, geometry: g };
  },
});

/** -1, 0 or +1 (each quarter, half, quarter), from a seeded linear congruential generator: repeatable runs. */
function ditherNoise(seed) {
  let state = (seed * 2654435761) >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    const u = state / 2 ** 32;
    return u < 0.25 ? -1 : u > 0.75 ? 1 : 0;
  };
}

async function coco32Map(file, decoder) {
  const model = await createModel({ backend: backend(), model: resolve(fixtures, 'models', file), imageDecoder: decoder });
  const evaluated = [];
  for (const image of images) {
    const result = await model.predict(image.imagePath, { conf: 0.001, iou: 0.7, maxDet: 300 });
    evaluated.push({ groundTruth: image.groundTruth, predictions: result.detections.map((d) => ({ classId: d.classId, box: d.box, confidence: d.confidence })) });
  }
  await model.dispose();
  return evaluateDetections(evaluated);
}

const images = await loadCoco32(resolve(fixtures, 'coco32'));
console.log(`runtime: ${values.runtime === 'web' ? 'onnxruntime-web (wasm)' : 'onnxruntime-node'}`);
console.log('| model | kernel | mAP50 | mAP50-95 |\n|---|---|---|---|');
for (const file of values.models.split(',')) {
  const spread = [];
  for (const kernel of values.kernels.split(',').filter(Boolean)) {
    const { map50, map5095 } = await coco32Map(file, decoderWith(kernel));
    spread.push(map5095);
    console.log(`| ${file} | ${kernel} | ${map50.toFixed(4)} | ${map5095.toFixed(4)} |`);
  }
  if (spread.length > 1) console.log(`| ${file} | spread | | ${(Math.max(...spread) - Math.min(...spread)).toFixed(4)} |`);
}
if (ditherRuns > 0) {
  console.log(`\n${ditherRuns} runs of the linear kernel with seeded ±1-level noise on half the pixels (mAP50-95):`);
  console.log('| model | min | median | max | standard deviation |\n|---|---|---|---|---|');
  for (const file of values.models.split(',')) {
    const maps = [];
    for (let seed = 1; seed <= ditherRuns; seed++) maps.push((await coco32Map(file, decoderWith('linear', ditherNoise(seed)))).map5095);
    maps.sort((a, b) => a - b);
    const mean = maps.reduce((a, b) => a + b, 0) / maps.length;
    const sd = Math.sqrt(maps.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, maps.length - 1));
    const median = maps.length % 2 ? maps[maps.length >> 1] : (maps[maps.length / 2 - 1] + maps[maps.length / 2]) / 2;
    console.log(`| ${file} | ${maps[0].toFixed(4)} | ${median.toFixed(4)} | ${maps.at(-1).toFixed(4)} | ${sd.toFixed(4)} |`);
  }
}
