#!/usr/bin/env node
// How much coco32 mAP depends on the resampling kernel of the letterbox, per model: the same pipeline (core's
// letterbox geometry, decoder, NMS, the test suite's COCO evaluator) with only the resize changed.
// It explains the one reference gap left (yolo11n_int8_320, see test/accuracy-onnx.test.ts): at 320 the
// dynamic-int8 model swings by about 0.02 mAP50-95 between ordinary kernels, at 640 by well under 0.01.
//
// Two more measures of how precisely 32 images can pin an int8 model's mAP down:
// - `--dither N`: N runs of core's own letterbox with seeded ±1-level noise on half the pixels (a change no
//   reader of the image could see); the spread of mAP over the seeds is the noise floor of the measurement.
// - `--runtime web`: the same pixels through onnxruntime-web's WebAssembly build instead of onnxruntime-node;
//   dynamic-int8 convolutions are computed by other kernels there.
//
// Kernels: libvips' (nearest, linear, cubic, mitchell, lanczos2, lanczos3) and, on fully decoded pixels,
// opencv-linear, opencv-area, pil-bilinear, align-corners, tf-legacy.
//
//   node bench/resize-kernel-map.mjs [--models yolo11n_int8_320.onnx,yolov8n_int8.onnx] [--kernels nearest,linear,cubic,lanczos3]
//                                    [--runtime node|web] [--dither 12]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel, letterboxGeometry, letterboxPixels, placeInLetterbox } from '@yolokit/core';
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

/**
 * Resizers of other libraries, written out here on fully decoded pixels, to compare with libvips' kernels:
 * OpenCV's INTER_LINEAR (core's letterboxPixels) and INTER_AREA, PIL's antialiased BILINEAR, and the
 * two-tap bilinear of align_corners=True (scipy, torch) and of TF1's legacy resize (source = destination × scale).
 */
const JS_RESIZERS = {
  'opencv-area': (img, rw, rh) => separable(img, rw, rh, areaTaps),
  'pil-bilinear': (img, rw, rh) => separable(img, rw, rh, pilBilinearTaps),
  'align-corners': (img, rw, rh) => separable(img, rw, rh, twoTaps((o, n, m) => (m > 1 ? (o * (n - 1)) / (m - 1) : 0))),
  'tf-legacy': (img, rw, rh) => separable(img, rw, rh, twoTaps((o, n, m) => (o * n) / m)),
};

/** Per output index along an axis of `n` → `m` pixels: the first source index and the weights from there. */
function areaTaps(n, m) {
  const scale = n / m;
  return Array.from({ length: m }, (_, o) => {
    const a = o * scale;
    const b = (o + 1) * scale;
    const first = Math.floor(a);
    const weights = [];
    for (let i = first; i < Math.min(Math.ceil(b), n); i++) weights.push((Math.min(b, i + 1) - Math.max(a, i)) / scale);
    return { first, weights };
  });
}
function pilBilinearTaps(n, m) {
  const scale = n / m;
  const filterScale = Math.max(scale, 1);
  return Array.from({ length: m }, (_, o) => {
    const centre = (o + 0.5) * scale;
    const first = Math.max(0, Math.trunc(centre - filterScale + 0.5));
    const last = Math.min(n, Math.trunc(centre + filterScale + 0.5));
    const weights = [];
    for (let i = first; i < last; i++) weights.push(Math.max(0, 1 - Math.abs((i - centre + 0.5) / filterScale)));
    const total = weights.reduce((x, y) => x + y, 0);
    return { first, weights: weights.map((w) => w / total) };
  });
}
function twoTaps(sourceOf) {
  return (n, m) =>
    Array.from({ length: m }, (_, o) => {
      const f = Math.min(Math.max(sourceOf(o, n, m), 0), n - 1);
      const first = Math.min(Math.floor(f), Math.max(n - 2, 0));
      return n === 1 ? { first: 0, weights: [1] } : { first, weights: [1 - (f - first), f - first] };
    });
}
/** Horizontal then vertical pass in floats, rounded once at the end. */
function separable({ data, width, height }, rw, rh, taps) {
  const across = taps(width, rw);
  const down = taps(height, rh);
  const middle = new Float32Array(rw * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < rw; x++) {
      const { first, weights } = across[x];
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += data[(y * width + first + k) * 3 + c] * weights[k];
        middle[(y * rw + x) * 3 + c] = sum;
      }
    }
  }
  const out = new Uint8Array(rw * rh * 3);
  for (let y = 0; y < rh; y++) {
    const { first, weights } = down[y];
    for (let x = 0; x < rw; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += middle[((first + k) * rw + x) * 3 + c] * weights[k];
        out[(y * rw + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(sum)));
      }
    }
  }
  return out;
}

/**
 * core's letterbox (geometry, padding 114), with the resize swapped: a libvips kernel, or one of JS_RESIZERS
 * or 'opencv-linear' on the decoded pixels; `noise` changes pixels afterwards.
 */
const decoderWith = (kernel, noise = () => 0) => ({
  async letterbox(image, target) {
    // As SharpImageDecoder: no ICC profile applied, EXIF orientation applied.
    const source = sharp(readFileSync(image), { failOn: 'error', ignoreIcc: true }).rotate().removeAlpha().toColourspace('srgb');
    let out;
    let g;
    if (kernel === 'opencv-linear' || kernel in JS_RESIZERS) {
      const { data, info } = await source.raw().toBuffer({ resolveWithObject: true });
      const decoded = { data, width: info.width, height: info.height, channels: 3 };
      if (kernel === 'opencv-linear') ({ pixels: out, geometry: g } = letterboxPixels(decoded, target.width, target.height));
      else {
        g = letterboxGeometry(info.width, info.height, target.width, target.height);
        out = placeInLetterbox(JS_RESIZERS[kernel](decoded, g.resizedWidth, g.resizedHeight), g);
      }
    } else {
      const { width, height, orientation = 1 } = await source.metadata();
      g = orientation >= 5 ? letterboxGeometry(height, width, target.width, target.height) : letterboxGeometry(width, height, target.width, target.height);
      const resized = await source.resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel }).raw().toBuffer();
      out = placeInLetterbox(resized, g);
    }
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
