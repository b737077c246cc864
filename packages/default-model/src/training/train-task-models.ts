/**
 * `npm run train:task-model -- --task obb|classify`: trains one of yolokit's task models from scratch on seeded
 * generated images with TF.js (wasm backend, one thread), as the default model is trained, exports it to ONNX and
 * a TF.js graph model with the project's own exporters, measures the training graph and both exports through
 * core's pipeline on held-out images, compares the exports, and writes the files with SHA256SUMS,
 * PROVENANCE.md and training-report.json into `model/<task>/`.
 *
 * - obb: rectangles, ellipses and triangles turned by any angle (`generateRotatedScene`), Ultralytics' OBB layout;
 * - classify: which one shape a picture shows (`generatePicture`), Ultralytics' classify layout.
 *
 * Options: `--task`, `--steps N`, `--out DIR` (default: the package's `model/<task>/`), `--eval-every N`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, platform } from 'node:os';
import { createModel, type Result, type YoloModel } from '@yolokit/core';
import { DEFAULT_MODEL_NAMES } from '../class-names.js';
import { type Architecture, classifierArchitecture, obbArchitecture } from '../export/architecture.js';
import { onnxMetadataProps, ultralyticsMetadata } from '../export/model-metadata.js';
import { sha256sums, writeModelFiles } from '../export/write-model-files.js';
import { generatePicture } from '../generate-picture.js';
import { generateRotatedScene, OBB_MODEL_NAMES } from '../generate-rotated-scene.js';
import { TASK_MODEL_FILES, type TaskModel, taskModelDir } from '../model-paths.js';
import { onnxBackend, tfjsBackend } from './evaluate-exports.js';
import { type ClassifierEvaluation, evaluateClassifier, evaluateObbModel } from './evaluate-tasks.js';
import { Network } from './network.js';
import { networkBackend } from './network-backend.js';
import { buildObbBatch } from './obb-targets.js';
import { type ObbLossWeights, obbLoss } from './obb-loss.js';
import type { AssignmentOptions } from './targets.js';
import { taskProvenanceMarkdown, type TaskTrainingReport } from './task-provenance.js';
import { initTensorflow, tf } from './tf-setup.js';
import { optimise, type Schedule, type Step } from './trainer.js';

/** The oriented-box model's recipe. Changing any of it changes the weights. */
export const OBB_TRAINING_CONFIG = {
  seed: 20261204,
  steps: 1500,
  batchSize: 16,
  learningRate: 2e-3,
  finalLearningRate: 5e-5,
  warmupSteps: 50,
  /** Training scene `k` is `generateRotatedScene(firstSceneSeed + k, { size: 160, maxObjects })`. */
  firstSceneSeed: 2_000_000,
  maxObjects: 5,
  assignment: { sizeRanges: [[0, 48], [36, Number.POSITIVE_INFINITY]], centreRadius: 1.5 } satisfies AssignmentOptions,
  loss: { cls: 1, probiou: 2, logDistance: 0.25 } satisfies ObbLossWeights,
} as const;

/** The classifier's recipe. */
export const CLASSIFY_TRAINING_CONFIG = {
  seed: 20261205,
  steps: 2000,
  batchSize: 32,
  learningRate: 3e-3,
  finalLearningRate: 5e-5,
  warmupSteps: 30,
  /** Training picture `k` is `generatePicture(firstSceneSeed + k, { size: 64 })`. */
  firstSceneSeed: 3_000_000,
} as const;

/** Held-out images: seeds 0 up, never trained on (training seeds start at 2,000,000 and 3,000,000). */
export const TASK_HELD_OUT = { obb: { firstSeed: 0, count: 200 }, classify: { firstSeed: 0, count: 1000 } } as const;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Ultralytics' metadata strings of a model, for the script's own minimal backends. */
function metadataOf(architecture: Architecture, names: Readonly<Record<number, string>>): Record<string, string> {
  return Object.fromEntries(onnxMetadataProps(ultralyticsMetadata(architecture, names)));
}

async function main(): Promise<void> {
  const task = option('task') as TaskModel | undefined;
  if (task !== 'obb' && task !== 'classify') throw new Error('--task must be obb or classify');
  const config = task === 'obb' ? OBB_TRAINING_CONFIG : CLASSIFY_TRAINING_CONFIG;
  const steps = Number(option('steps') ?? config.steps);
  const out = option('out') ?? taskModelDir(task);
  const evalEvery = Number(option('eval-every') ?? 500);
  const backend = await initTensorflow('wasm');
  const architecture = task === 'obb' ? obbArchitecture(3, TASK_MODEL_FILES.obb.imgsz) : classifierArchitecture(4, TASK_MODEL_FILES.classify.imgsz);
  const names = task === 'obb' ? OBB_MODEL_NAMES : DEFAULT_MODEL_NAMES;
  const metadata = metadataOf(architecture, names);
  const schedule: Schedule = { ...config, steps };
  const s = architecture.imgsz;
  console.log(`training the ${task} model on TF.js ${tf.version_core} (${backend}), ${steps} steps of ${config.batchSize} at ${s}x${s}`);

  const network = new Network(architecture, config.seed);
  const measure = async (model: YoloModel) =>
    task === 'obb'
      ? await evaluateObbModel(model, TASK_HELD_OUT.obb.firstSeed, TASK_HELD_OUT.obb.count, { size: s, maxObjects: OBB_TRAINING_CONFIG.maxObjects })
      : await evaluateClassifier(model, TASK_HELD_OUT.classify.firstSeed, TASK_HELD_OUT.classify.count, s);
  const measureNetwork = async () => {
    const model = await createModel({ backend: networkBackend(network, metadata), model: 'training graph' });
    try {
      return await measure(model);
    } finally {
      await model.dispose();
    }
  };
  const headline = (m: Awaited<ReturnType<typeof measure>>) =>
    'map50' in m ? `mAP50 ${m.map50.toFixed(3)}  mAP50-95 ${m.map50to95.toFixed(3)}` : `top-1 ${m.top1.toFixed(4)}  top-2 ${m.top2.toFixed(4)}`;

  const evaluations: { step: number; figures: Record<string, number> }[] = [];
  const window: number[][] = [];
  let partNames: string[] = [];
  let trainingSeconds = 0;
  const lastLosses: Record<string, number>[] = [];
  await optimise(
    network,
    schedule,
    (task === 'obb' ? obbStep(network, architecture) : classifyStep(network, architecture)) as (step: number) => Step<string>,
    async ({ step, learningRate, total, parts, seconds }) => {
      trainingSeconds = seconds;
      partNames = Object.keys(parts);
      window.push([total, ...partNames.map((k) => (parts as Record<string, number>)[k])]);
      lastLosses.push({ total, ...(parts as Record<string, number>) });
      if (lastLosses.length > 50) lastLosses.shift();
      if (step % 50 === 0 || step === steps) {
        const mean = (i: number) => window.reduce((a, r) => a + r[i], 0) / window.length;
        console.log(`step ${step}/${steps}  lr ${learningRate.toExponential(2)}  loss ${mean(0).toFixed(3)} (${partNames.map((k, i) => `${k} ${mean(i + 1).toFixed(3)}`).join(', ')})  ${seconds.toFixed(0)} s`);
        window.length = 0;
      }
      if (step % evalEvery === 0 && step !== steps) {
        const m = await measureNetwork();
        evaluations.push({ step, figures: figuresOf(m) });
        console.log(`  held-out (training graph): ${headline(m)}`);
      }
    },
  );
  const trained = await measureNetwork();
  evaluations.push({ step: steps, figures: figuresOf(trained) });
  console.log(`trained in ${(trainingSeconds / 60).toFixed(1)} min; held-out (training graph): ${headline(trained)}`);

  const weights = await network.foldedWeights();
  const parameters = network.parameterCount();
  network.dispose();
  const fileNames = { onnx: TASK_MODEL_FILES[task].onnx, tfjs: TASK_MODEL_FILES[task].tfjs };
  const files = writeModelFiles(out, architecture, weights, names, fileNames);
  for (const f of files) console.log(`wrote ${f.path} (${f.bytes} bytes)`);

  const onnxModel = await createModel({ backend: await onnxBackend(architecture, metadata), model: join(out, fileNames.onnx) });
  const tfjsModel = await createModel({ backend: tfjsBackend(architecture, metadata), model: join(out, fileNames.tfjs) });
  let onnxFigures: Awaited<ReturnType<typeof measure>>;
  let tfjsFigures: Awaited<ReturnType<typeof measure>>;
  let agreement: Record<string, number>;
  try {
    onnxFigures = await measure(onnxModel);
    tfjsFigures = await measure(tfjsModel);
    agreement = await compareExports(task, onnxModel, tfjsModel, s);
  } finally {
    await onnxModel.dispose();
    await tfjsModel.dispose();
  }
  console.log(`ONNX: ${headline(onnxFigures)}; TF.js: ${headline(tfjsFigures)}; agreement ${JSON.stringify(agreement)}`);

  const mean = (key: string) => lastLosses.reduce((a, r) => a + r[key], 0) / lastLosses.length;
  const report: TaskTrainingReport = {
    task,
    names: Object.values(names),
    imgsz: s,
    config: JSON.parse(JSON.stringify({ ...config, steps }, (_, v) => (v === Number.POSITIVE_INFINITY ? null : v))),
    heldOut: TASK_HELD_OUT[task],
    environment: { node: process.version, tfjs: tf.version_core, backend, threads: 1, cpu: cpus()[0]?.model ?? 'unknown', platform: `${platform()}-${arch()}` },
    parameters,
    trainingSeconds,
    finalLoss: Object.fromEntries(['total', ...partNames].map((k) => [k, round(mean(k))])),
    evaluations,
    heldOutResults: { trainingGraph: detailsOf(trained), onnx: detailsOf(onnxFigures), tfjs: detailsOf(tfjsFigures) },
    agreement,
    files,
  };
  writeFileSync(join(out, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'PROVENANCE.md'), taskProvenanceMarkdown(report));
  writeFileSync(join(out, 'SHA256SUMS'), sha256sums(files));
  console.log(`wrote training-report.json, PROVENANCE.md and SHA256SUMS in ${out}`);
}

/** One training step of the oriented-box model: a batch of rotated scenes and its loss. */
function obbStep(network: Network, architecture: Architecture) {
  const config = OBB_TRAINING_CONFIG;
  const s = architecture.imgsz;
  return (step: number) => {
    const scenes = Array.from({ length: config.batchSize }, (_, i) =>
      generateRotatedScene(config.firstSceneSeed + step * config.batchSize + i, { size: s, maxObjects: config.maxObjects }),
    );
    const batch = buildObbBatch(scenes, architecture, config.assignment);
    const n = batch.positive.length / batch.size;
    const images = tf.tensor4d(batch.images, [batch.size, s, s, 3]);
    const cls = tf.tensor3d(batch.cls, [batch.size, n, architecture.classCount]);
    const dist = tf.tensor3d(batch.dist, [batch.size, n, 4]);
    const rbox = tf.tensor3d(batch.rbox, [batch.size, n, 5]);
    const positive = tf.tensor3d(batch.positive, [batch.size, n, 1]);
    return {
      loss: (stats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>) => {
        const loss = obbLoss(network, network.forward(images, true, stats), { cls, dist, rbox, positive, positives: batch.positives }, config.loss);
        return { total: loss.total, parts: { cls: loss.cls, probiou: loss.probiou, logDistance: loss.logDistance } };
      },
      dispose: () => tf.dispose([images, cls, dist, rbox, positive]),
    };
  };
}

/** One training step of the classifier: a batch of pictures and its softmax cross-entropy. */
function classifyStep(network: Network, architecture: Architecture) {
  const config = CLASSIFY_TRAINING_CONFIG;
  const s = architecture.imgsz;
  const nc = architecture.classCount;
  return (step: number) => {
    const pixels = new Float32Array(config.batchSize * s * s * 3);
    const labels = new Float32Array(config.batchSize * nc);
    for (let i = 0; i < config.batchSize; i++) {
      const picture = generatePicture(config.firstSceneSeed + step * config.batchSize + i, { size: s });
      for (let k = 0; k < picture.data.length; k++) pixels[i * s * s * 3 + k] = picture.data[k] / 255;
      labels[i * nc + picture.classId] = 1;
    }
    const images = tf.tensor4d(pixels, [config.batchSize, s, s, 3]);
    const targets = tf.tensor2d(labels, [config.batchSize, nc]);
    return {
      loss: (stats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>) => {
        const logits = network.logits(images, true, stats);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
        return { total: ce, parts: { crossEntropy: ce } };
      },
      dispose: () => tf.dispose([images, targets]),
    };
  };
}

/**
 * How closely the two exports agree on held-out images: oriented boxes (50 scenes at conf 0.25, same order
 * expected): detections, same class and order, largest difference of cx, cy, w, h (pixels) and angle; classifier
 * (the held-out pictures): same top-1, largest probability difference.
 */
async function compareExports(task: TaskModel, onnxModel: YoloModel, tfjsModel: YoloModel, s: number): Promise<Record<string, number>> {
  if (task === 'obb') {
    let detections = 0;
    let sameClassAndOrder = 0;
    let maxBoxDifference = 0;
    let maxAngleDifference = 0;
    for (let i = 0; i < 50; i++) {
      const scene = generateRotatedScene(TASK_HELD_OUT.obb.firstSeed + i, { size: s, maxObjects: OBB_TRAINING_CONFIG.maxObjects });
      const [a, b] = [await onnxModel.predict(scene), await tfjsModel.predict(scene)];
      detections += Math.max(a.detections.length, b.detections.length);
      a.detections.forEach((d, k) => {
        const o = b.detections[k];
        if (!o || o.classId !== d.classId || !d.obb || !o.obb) return;
        sameClassAndOrder++;
        for (const key of ['cx', 'cy', 'w', 'h'] as const) maxBoxDifference = Math.max(maxBoxDifference, Math.abs(d.obb[key] - o.obb[key]));
        maxAngleDifference = Math.max(maxAngleDifference, Math.abs(d.obb.angle - o.obb.angle));
      });
    }
    return { scenes: 50, detections, sameClassAndOrder, maxBoxDifference, maxAngleDifference };
  }
  let sameTop1 = 0;
  let maxProbabilityDifference = 0;
  const { firstSeed, count } = TASK_HELD_OUT.classify;
  for (let i = 0; i < count; i++) {
    const picture = generatePicture(firstSeed + i, { size: s });
    const [a, b]: Result[] = [await onnxModel.predict(picture), await tfjsModel.predict(picture)];
    if (a.top1?.classId === b.top1?.classId) sameTop1++;
    a.probs?.forEach((p, k) => {
      maxProbabilityDifference = Math.max(maxProbabilityDifference, Math.abs(p - (b.probs?.[k] ?? Number.NaN)));
    });
  }
  return { pictures: count, sameTop1, maxProbabilityDifference };
}

type Measured = Awaited<ReturnType<typeof evaluateObbModel>> | ClassifierEvaluation;

function figuresOf(m: Measured): Record<string, number> {
  return 'map50' in m ? { map50: round(m.map50), map50to95: round(m.map50to95) } : { top1: round(m.top1), top2: round(m.top2) };
}

function detailsOf(m: Measured): Record<string, unknown> {
  if ('map50' in m) {
    return {
      ...figuresOf(m),
      precision: round(m.precision),
      recall: round(m.recall),
      perClass: m.perClass.map((c) => ({ class: OBB_MODEL_NAMES[c.classId], truths: c.truths, ap50: round(c.ap50), ap50to95: round(c.ap50to95) })),
    };
  }
  return { ...figuresOf(m), perClass: m.perClass.map((c) => ({ ...c, top1: round(c.top1) })), confusion: m.confusion };
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
