// The task pages' gallery, made by the docs build from the project's fixtures: each task's model run on bus.jpg
// and zidane.jpg with yolokit (onnxruntime-node), drawn by `yolokit predict --save`'s own drawer (annotateImage
// from @yolokit/cli: translucent masks, boxes and labels, keypoints and skeletons), written to
// public/gallery/ (served as /gallery/, never committed) with gallery.json, which the pages read through
// gallery.data.ts: what was run, what was found, and each result's JSON.
//
// Where a fixture is missing the gallery is skipped with a message and the pages say so, except under CI=true,
// where that fails the build.
//
//   node scripts/generate-gallery.mjs     (npm run build and npm run dev run it)
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel } from '@yolokit/core';

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

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const needed = [...new Set(TASKS.flatMap(({ model, images }) => [model, ...images.map((image) => `images/${image}`)]))];
const missing = needed.filter((relative) => !existsSync(join(fixtures, relative)));
if (missing.length > 0) {
  const reason = `missing fixtures under ${fixtures}: ${missing.join(', ')} (set YOLOKIT_FIXTURES)`;
  writeFileSync(join(out, 'gallery.json'), `${JSON.stringify({ skipped: reason, entries: [] }, null, 2)}\n`);
  if (isCI) {
    console.error(`gallery: ${reason}; CI requires every fixture`);
    process.exit(1);
  }
  console.warn(`gallery: skipped, ${reason}`);
  process.exit(0);
}

const entries = [];
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
        summary: summarise(result.detections),
        json: { ...json, source: image },
      });
      console.log(`gallery: ${file} ← ${modelPath} on ${image}: ${summarise(result.detections)}`);
    }
  } finally {
    await model.dispose();
  }
}
writeFileSync(join(out, 'gallery.json'), `${JSON.stringify({ generated: new Date().toISOString(), entries }, null, 2)}\n`);

/** `4 person, 1 bus`, most frequent first, as `yolokit predict` prints it. */
function summarise(detections) {
  const counts = new Map();
  for (const d of detections) counts.set(d.className, (counts.get(d.className) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${count} ${name}`).join(', ') || 'nothing';
}
