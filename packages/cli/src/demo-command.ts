import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { BackendUnavailableError, InvalidOptionError, type PredictOptions, type Result } from '@yolokit/core';
import { annotateImage } from './annotate-image.js';
import type { CliIo } from './run-predict.js';
import { STRATEGY_NAMES, type StrategyName } from './strategy-predictor.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** How many fresh scenes to generate and evaluate. @defaultValue 200 */
  readonly scenes?: number;
  /** First scene seed (held-out seeds start at 0; training used seeds from 1,000,000). @defaultValue 0 */
  readonly seed?: number;
  /** Strategies to run the scenes through, in order. @defaultValue all of them */
  readonly strategies?: readonly StrategyName[];
  /** Folder for annotated images. @defaultValue `yolokit-demo` */
  readonly out?: string;
  /** How many annotated scenes to write and list. @defaultValue 6 */
  readonly show?: number;
}

/** One strategy's figures in the demo. */
export interface DemoStrategyReport {
  readonly strategy: StrategyName;
  readonly workers: number;
  readonly imagesPerSecond: number;
  readonly map50: number;
  readonly map5095: number;
}

// Ultralytics' validation settings, so the mAP is comparable with the model's PROVENANCE.md.
const EVALUATION: PredictOptions = { conf: 0.001, iou: 0.7, maxDet: 300 };

/**
 * `yolokit demo`: generates seeded scenes with exact ground truth, runs yolokit's own shapes model (ONNX,
 * onnxruntime-node) through each concurrency strategy, prints detections, timings and mAP against the ground
 * truth, and writes annotated images. Needs nothing from the network.
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<DemoStrategyReport[]> {
  const sceneCount = options.scenes ?? 200;
  const firstSeed = options.seed ?? 0;
  const show = Math.min(options.show ?? 6, sceneCount);
  const strategies = options.strategies ?? STRATEGY_NAMES;
  if (!Number.isInteger(sceneCount) || sceneCount < 1 || sceneCount > 100_000) {
    throw new InvalidOptionError('--scenes', `--scenes must be an integer from 1 to 100000, got ${sceneCount}`);
  }
  if (!Number.isSafeInteger(firstSeed) || firstSeed < 0) throw new InvalidOptionError('--seed', `--seed must be a non-negative integer, got ${firstSeed}`);
  const defaultModel = await importOptional(() => import('@yolokit/default-model'), '@yolokit/default-model');
  const concurrency = await importOptional(() => import('@yolokit/concurrency'), '@yolokit/concurrency');
  const { generateScene, defaultModelPath, meanAveragePrecision, DEFAULT_MODEL_PREDICT_DEFAULTS } = defaultModel;

  const scenes = Array.from({ length: sceneCount }, (_, i) => generateScene(firstSeed + i));
  const objectCount = scenes.reduce((n, s) => n + s.objects.length, 0);
  const modelPath = defaultModelPath('onnx');
  io.stdout.write(`yolokit demo: ${sceneCount} generated scenes (seeds ${firstSeed}..${firstSeed + sceneCount - 1}, ${objectCount} objects), model ${modelPath}\n`);

  const reports: DemoStrategyReport[] = [];
  let shown: Result[] | undefined;
  for (const strategy of strategies) {
    const predictor = await concurrency.createPredictor({
      strategy,
      model: { backend: onnxSpec(), model: modelPath },
      // The same scenes go through every strategy: copy their pixels to workers rather than transfer them.
      transferImages: false,
    });
    try {
      const started = performance.now();
      const results = await predictor.predictMany(scenes, EVALUATION);
      const seconds = (performance.now() - started) / 1000;
      const { map50, map50to95: map5095 } = meanAveragePrecision(
        results.map((result, i) => ({ detections: result.detections, truths: scenes[i].objects })),
      );
      const workers = predictor.stats().workers.length;
      reports.push({ strategy, workers, imagesPerSecond: sceneCount / seconds, map50, map5095 });
      io.stdout.write(
        `${strategy.padEnd(9)} ${String(workers).padStart(2)} worker(s): ${(sceneCount / seconds).toFixed(1)} images/s, mAP50 ${map50.toFixed(3)}, mAP50-95 ${map5095.toFixed(3)}\n`,
      );
      shown ??= await predictor.predictMany(scenes.slice(0, show), DEFAULT_MODEL_PREDICT_DEFAULTS);
    } finally {
      await predictor.close();
    }
  }

  if (shown && show > 0) {
    const out = resolve(io.cwd, options.out ?? 'yolokit-demo');
    await mkdir(out, { recursive: true });
    const sharp = (await import('sharp')).default;
    for (let i = 0; i < shown.length; i++) {
      const scene = scenes[i];
      const name = `scene-${scene.seed}`;
      const plain = join(out, `${name}.png`);
      await writeFile(plain, await sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer());
      await annotateImage(plain, shown[i].toJSON(), join(out, `${name}-annotated.png`));
      const found = shown[i].detections.map((d) => `${d.className} ${d.confidence.toFixed(2)}`).join(', ') || 'nothing';
      const truth = scene.objects.map((o) => o.className).join(', ');
      io.stdout.write(`  ${name}: found ${found}; truth ${truth}\n`);
    }
    io.stdout.write(`annotated scenes written to ${options.out ?? 'yolokit-demo'}/\n`);
  }
  return reports;
}

async function importOptional<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new BackendUnavailableError(`yolokit demo needs ${name}: npm install ${name}`, [], { cause: error });
  }
}
