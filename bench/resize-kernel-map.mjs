#!/usr/bin/env node
// How much coco32 mAP depends on the resampling kernel of the letterbox, per model: the same pipeline (core's
// letterbox geometry, decoder, NMS, the test suite's COCO evaluator) with only libvips' resize kernel changed.
// It explains the one reference gap left (yolo11n_int8_320, see test/accuracy-onnx.test.ts): at 320 the
// dynamic-int8 model swings by about 0.02 mAP50-95 between ordinary kernels, at 640 by well under 0.01.
//
//   node bench/resize-kernel-map.mjs [--models yolo11n_int8_320.onnx,yolov8n_int8.onnx] [--kernels nearest,linear,cubic,lanczos3]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { onnx } from '@yolokit/backend-onnx';
import { createModel, letterboxGeometry } from '@yolokit/core';
import { build } from 'esbuild';
import sharp from 'sharp';

const root = resolve(import.meta.dirname, '..');
const fixtures = process.env.YOLOKIT_FIXTURES ?? resolve(root, '../shared/fixtures');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'yolo11n_int8_320.onnx,yolov8n_int8.onnx' },
    kernels: { type: 'string', default: 'nearest,linear,cubic,mitchell,lanczos3' },
  },
});

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

/** core's letterbox (geometry, padding 114), with the resize kernel swapped. */
const decoderWith = (kernel) => ({
  async letterbox(image, target) {
    const source = sharp(readFileSync(image), { failOn: 'error' });
    const { width, height } = await source.metadata();
    const g = letterboxGeometry(width, height, target.width, target.height);
    const pixels = await source
      .removeAlpha()
      .toColourspace('srgb')
      .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel })
      .extend({ top: g.top, bottom: g.bottom, left: g.left, right: g.right, background: { r: 114, g: 114, b: 114 } })
      .raw()
      .toBuffer();
    return { pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), geometry: g };
  },
});

const images = await loadCoco32(resolve(fixtures, 'coco32'));
console.log('| model | kernel | mAP50 | mAP50-95 |\n|---|---|---|---|');
for (const file of values.models.split(',')) {
  const spread = [];
  for (const kernel of values.kernels.split(',')) {
    const model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: resolve(fixtures, 'models', file), imageDecoder: decoderWith(kernel) });
    const evaluated = [];
    for (const image of images) {
      const result = await model.predict(image.imagePath, { conf: 0.001, iou: 0.7, maxDet: 300 });
      evaluated.push({ groundTruth: image.groundTruth, predictions: result.detections.map((d) => ({ classId: d.classId, box: d.box, confidence: d.confidence })) });
    }
    await model.dispose();
    const { map50, map5095 } = evaluateDetections(evaluated);
    spread.push(map5095);
    console.log(`| ${file} | ${kernel} | ${map50.toFixed(4)} | ${map5095.toFixed(4)} |`);
  }
  console.log(`| ${file} | spread | | ${(Math.max(...spread) - Math.min(...spread)).toFixed(4)} |`);
}
