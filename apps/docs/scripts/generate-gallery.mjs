// The task pages' gallery, made by the docs build: detection, segmentation and pose models from the project's
// fixtures run on bus.jpg and zidane.jpg, and yolokit's own oriented-box and classification models
// (@yolokit/default-model, no fixture needed) on scenes and pictures it generates, with yolokit
// (onnxruntime-node), drawn by `yolokit predict --save`'s own drawer (annotateImage from @yolokit/cli:
// translucent masks, boxes and labels, keypoints and skeletons, turned boxes, top classes), written to
// public/gallery/ (served as /gallery/, never committed) with gallery.json, which the pages read through
// gallery.data.ts: what was run, what was found, and each result's JSON.
//
// Where a fixture is missing the fixtures' tasks are skipped with a message and their pages say so, except under
// CI=true, where that fails the build.
//
//   node scripts/generate-gallery.mjs     (npm run build and npm run dev run it)
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel } from '@yolokit/core';
// Reached through @yolokit/cli, which depends on it (so turbo builds it before the site).
import { generatePicture, generateRotatedScene, OBB_MODEL_PREDICT_DEFAULTS, taskModelPath } from '@yolokit/default-model';
import sharp from 'sharp';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '../..');
const fixtures = process.env.YOLOKIT_FIXTURES ? resolve(process.env.YOLOKIT_FIXTURES) : resolve(repoRoot, '../shared/fixtures');
const out = join(docsRoot, 'public/gallery');
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Per task: the model (a fixture, and the name a reader's own export would have) and the photos. */
const TASKS = [
  { task: 'detect', model: 'models/yolov8n_int8.onnx', exportedAs: 'yolov8n.onnx', images: ['bus.jpg', 'zidane.jpg'] },
  { task: 'segment', model: 'models/yolov8n-seg_int8.onnx', exportedAs: 'yolov8n-seg.onnx (imgsz=320)', images: ['bus.jpg', 'zidane.jpg'] },
  { task: 'pose', model: 'models/yolo11n-pose_fp32.onnx', exportedAs: 'yolo11n-pose.onnx', images: ['zidane.jpg', 'bus.jpg'] },
];
const OPTIONS = { conf: 0.25, iou: 0.7 };

/**
 * yolokit's own task models on generated images (seeds picked once, kept so the gallery does not change): the
 * OBB model at its recommended defaults on 320x320 scenes, the classifier on 160x160 pictures.
 */
const GENERATED = [
  {
    task: 'obb',
    model: 'obb',
    options: { ...OBB_MODEL_PREDICT_DEFAULTS },
    images: [1, 4].map((seed) => ({ name: `rotated-scene-${seed}.png`, make: () => generateRotatedScene(seed, { size: 320 }) })),
  },
  {
    task: 'classify',
    model: 'classify',
    options: { conf: 0.25 },
    images: [3, 8].map((seed) => ({ name: `shape-picture-${seed}.png`, make: () => generatePicture(seed, { size: 160 }) })),
  },
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const entries = [];
for (const { task, model: name, options, images } of GENERATED) {
  const path = taskModelPath(name);
  const model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: path });
  try {
    if (model.info.task !== task) throw new Error(`${path} is a '${model.info.task}' model, expected '${task}'`);
    for (const { name: image, make } of images) {
      const generated = make();
      const source = join(out, image);
      await sharp(Buffer.from(generated.data), { raw: { width: generated.width, height: generated.height, channels: 3 } }).png().toFile(source);
      const result = await model.predict(generated, options);
      const file = `${task}-${image}`;
      await annotateImage(source, result, join(out, file));
      rmSync(source);
      const modelFile = basename(path);
      const json = { ...result.toJSON(), source: image };
      entries.push({ task, model: modelFile, exportedAs: modelFile, image, file, options, runtime: model.info.runtime, imgsz: model.info.imgsz, summary: summarise(result), json });
      console.log(`gallery: ${file} ← ${modelFile} on ${image}: ${summarise(result)}`);
    }
  } finally {
    await model.dispose();
  }
}

const needed = [...new Set(TASKS.flatMap(({ model, images }) => [model, ...images.map((image) => `images/${image}`)]))];
const missing = needed.filter((relative) => !existsSync(join(fixtures, relative)));
if (missing.length > 0) {
  const reason = `missing fixtures under ${fixtures}: ${missing.join(', ')} (set YOLOKIT_FIXTURES)`;
  writeFileSync(join(out, 'gallery.json'), `${JSON.stringify({ skipped: reason, entries }, null, 2)}\n`);
  if (isCI) {
    console.error(`gallery: ${reason}; CI requires every fixture`);
    process.exit(1);
  }
  console.warn(`gallery: detection, segmentation and pose skipped, ${reason}`);
  process.exit(0);
}

for (const { task, model: modelPath, exportedAs, images } of TASKS) {
  const model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: join(fixtures, modelPath) });
  try {
    if (model.info.task !== task) throw new Error(`${modelPath} is a '${model.info.task}' model, expected '${task}'`);
    for (const image of images) {
      const source = join(fixtures, 'images', image);
      const result = await model.predict(source, OPTIONS);
      const file = `${task}-${image.replace(/\.\w+$/, '')}.jpg`;
      await annotateImage(source, result, join(out, file));
      const json = result.toJSON({ segments: task === 'segment' });
      entries.push({
        task,
        model: modelPath.replace(/^models\//, ''),
        exportedAs,
        image,
        file,
        options: OPTIONS,
        runtime: model.info.runtime,
        imgsz: model.info.imgsz,
        summary: summarise(result),
        json: { ...json, source: image },
      });
      console.log(`gallery: ${file} ← ${modelPath} on ${image}: ${summarise(result)}`);
    }
  } finally {
    await model.dispose();
  }
}
writeFileSync(join(out, 'gallery.json'), `${JSON.stringify({ generated: new Date().toISOString(), entries }, null, 2)}\n`);

/** `4 person, 1 bus`, most frequent first, as `yolokit predict` prints it; a classifier's `ring 1.00`. */
function summarise(result) {
  if (result.top1) return `${result.top1.className} ${result.top1.confidence.toFixed(2)}`;
  const counts = new Map();
  for (const d of result.detections) counts.set(d.className, (counts.get(d.className) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${count} ${name}`).join(', ') || 'nothing';
}
