import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { BackendUnavailableError, InvalidOptionError, type PredictOptions, type Result } from '@yolokit/core';
import { annotateImage } from './annotate-image.js';
import { median } from './predict-report.js';
import type { CliIo } from './run-predict.js';

/** The strategies `yolokit demo` runs, in order: each one's figures mean something side by side. */
export const DEMO_STRATEGIES = ['locked', 'threads', 'processes'] as const;
export type DemoStrategy = (typeof DEMO_STRATEGIES)[number];

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** How many fresh scenes to generate and evaluate. @defaultValue 200 */
  readonly scenes?: number;
  /** First scene seed (held-out seeds start at 0; training used seeds from 1,000,000). @defaultValue 0 */
  readonly seed?: number;
  /** Strategies to run the scenes through, in order. @defaultValue all of them */
  readonly strategies?: readonly DemoStrategy[];
  /** Folder for annotated images. @defaultValue `yolokit-demo` */
  readonly out?: string;
  /**
   * How many images the speed pass times: scenes enlarged to {@link SPEED_SIDE} pixels and JPEG-encoded (the
   * scenes are reused in turn when there are fewer).
   * @defaultValue 48
   */
  readonly speedImages?: number;
  /** How many annotated scenes to write and list. @defaultValue 6 */
  readonly show?: number;
}

/** One strategy's figures in the demo. */
export interface DemoStrategyReport {
  readonly strategy: DemoStrategy;
  /** Model instances: 1 for `locked`, worker threads or processes for the pools. */
  readonly workers: number;
  /** The runtime's intra-op threads in each instance. */
  readonly threadsPerWorker: number | undefined;
  /**
   * Images per second on the speed workload ({@link DemoOptions.speedImages} scenes enlarged to
   * {@link SPEED_SIDE} pixels and sent as JPEG bytes, decoded and letterboxed where they are predicted), after a
   * warm-up: start-up and model loads excluded.
   */
  readonly imagesPerSecond: number;
  /**
   * Images per second on the accuracy pass (160×160 raw pixels, the model's own input size), after the same
   * warm-up. On a model this small the pools' per-image hand-over (copying the pixels to a worker, the result
   * back) weighs as much as the inference, so this figure is not what a pool does for real photos.
   */
  readonly rawImagesPerSecond: number;
  /** Median milliseconds one prediction computes (preprocess + inference + postprocess, as `Result.speed` says), per pass. */
  readonly computeMs: { readonly photo: number; readonly raw: number };
  /** Median inference milliseconds on the raw pass. */
  readonly inferenceMs: number;
  readonly map50: number;
  readonly map5095: number;
}

// Ultralytics' validation settings, so the mAP is comparable with the model's PROVENANCE.md.
const EVALUATION: PredictOptions = { conf: 0.001, iou: 0.7, maxDet: 300 };

/**
 * The side of the speed workload's images: the 160×160 scenes enlarged to photo size and JPEG-encoded, so that
 * each prediction decodes and letterboxes a real picture (the work a pool spreads over the cores) while the
 * hand-over to a worker stays a few tens of kilobytes.
 */
export const SPEED_SIDE = 960;

/** Predictions per instance before the timed passes: the first runs of a session are slower (allocation, caches). */
const WARM_UP_PER_WORKER = 4;

/**
 * `yolokit demo`: generates seeded scenes with exact ground truth, runs yolokit's own shapes model (ONNX,
 * onnxruntime-node) through each concurrency strategy, prints mAP against the ground truth (the same for every
 * strategy), the images per second of each after a warm-up, and writes annotated images. Needs nothing from the
 * network.
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<DemoStrategyReport[]> {
  const sceneCount = options.scenes ?? 200;
  const firstSeed = options.seed ?? 0;
  const show = Math.min(options.show ?? 6, sceneCount);
  const strategies = options.strategies ?? DEMO_STRATEGIES;
  const speedCount = options.speedImages ?? 48;
  if (!Number.isInteger(sceneCount) || sceneCount < 1 || sceneCount > 100_000) {
    throw new InvalidOptionError('--scenes', `--scenes must be an integer from 1 to 100000, got ${sceneCount}`);
  }
  if (!Number.isSafeInteger(firstSeed) || firstSeed < 0) throw new InvalidOptionError('--seed', `--seed must be a non-negative integer, got ${firstSeed}`);
  if (!Number.isInteger(speedCount) || speedCount < 1 || speedCount > 10_000) {
    throw new InvalidOptionError('--speed-images', `--speed-images must be an integer from 1 to 10000, got ${speedCount}`);
  }
  const defaultModel = await importOptional(() => import('@yolokit/default-model'), '@yolokit/default-model');
  const concurrency = await importOptional(() => import('@yolokit/concurrency'), '@yolokit/concurrency');
  const { generateScene, defaultModelPath, meanAveragePrecision, DEFAULT_MODEL_PREDICT_DEFAULTS } = defaultModel;
  const sharp = (await import('sharp')).default;

  const scenes = Array.from({ length: sceneCount }, (_, i) => generateScene(firstSeed + i));
  const objectCount = scenes.reduce((n, s) => n + s.objects.length, 0);
  const modelPath = defaultModelPath('onnx');
  const checksum = createHash('sha256').update(await readFile(modelPath)).digest('hex');
  io.stdout.write(
    `yolokit demo: ${sceneCount} generated scenes (seeds ${firstSeed}..${firstSeed + sceneCount - 1}, ${objectCount} objects), ` +
      `model ${basename(modelPath)} (sha256 ${checksum.slice(0, 16)}…, 160x160 input), ${availableParallelism()} cores\n`,
  );
  // The speed workload: scenes as photos arrive, JPEG files of a photo's size (cycled when there are fewer scenes).
  const photos = await Promise.all(
    Array.from({ length: speedCount }, (_, i) => {
      const scene = scenes[i % scenes.length];
      return sharp(scene.data, { raw: { width: scene.width, height: scene.height, channels: 3 } })
        .resize(SPEED_SIDE, SPEED_SIDE)
        .jpeg({ quality: 90 })
        .toBuffer();
    }),
  );

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
      const stats = predictor.stats();
      const workers = Math.max(1, stats.workers.length);
      // Warm every instance on both kinds of input before anything is timed.
      const warmUp = WARM_UP_PER_WORKER * workers;
      await predictor.predictMany([...Array.from({ length: warmUp }, (_, i) => photos[i % photos.length]), ...scenes.slice(0, warmUp)], EVALUATION);
      const rawStarted = performance.now();
      const results = await predictor.predictMany(scenes, EVALUATION);
      const rawSeconds = (performance.now() - rawStarted) / 1000;
      const started = performance.now();
      const photoResults = await predictor.predictMany(photos, EVALUATION);
      const seconds = (performance.now() - started) / 1000;
      const computeMs = { photo: medianComputeMs(photoResults), raw: medianComputeMs(results) };
      const inferenceMs = median(results.map((r) => r.speed.inference));
      const { map50, map50to95: map5095 } = meanAveragePrecision(
        results.map((result, i) => ({ detections: result.detections, truths: scenes[i].objects })),
      );
      reports.push({ strategy, workers, threadsPerWorker: stats.threadsPerWorker, imagesPerSecond: speedCount / seconds, rawImagesPerSecond: sceneCount / rawSeconds, computeMs, inferenceMs, map50, map5095 });
      shown ??= await predictor.predictMany(scenes.slice(0, show), DEFAULT_MODEL_PREDICT_DEFAULTS);
    } finally {
      await predictor.close();
    }
  }
  printFigures(reports, { sceneCount, speedCount }, io);

  if (shown && show > 0) {
    const out = resolve(io.cwd, options.out ?? 'yolokit-demo');
    await mkdir(out, { recursive: true });
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

/** The demo's two tables, each with what its numbers mean. */
function printFigures(reports: readonly DemoStrategyReport[], counts: { sceneCount: number; speedCount: number }, io: CliIo): void {
  const setup = (r: DemoStrategyReport) => {
    const [one, many] = r.strategy === 'processes' ? ['process', 'processes'] : r.strategy === 'threads' ? ['worker', 'workers'] : ['instance', 'instances'];
    const threads = r.threadsPerWorker === undefined ? "runtime's threads" : `${r.threadsPerWorker} thread${r.threadsPerWorker === 1 ? '' : 's'}`;
    return `${r.workers} ${r.workers === 1 ? one : many} × ${threads}`.padEnd(24);
  };
  const write = (line: string) => io.stdout.write(`${line}\n`);
  write(`accuracy: the same ${counts.sceneCount} scenes through each strategy (conf 0.001, Ultralytics' validation settings)`);
  for (const r of reports) write(`${r.strategy.padEnd(9)} ${setup(r)} mAP50 ${r.map50.toFixed(3)}, mAP50-95 ${r.map5095.toFixed(3)}`);
  const base = reports.find((r) => r.strategy === 'locked') ?? reports[0];
  write(`speed: ${counts.speedCount} scenes as ${SPEED_SIDE}x${SPEED_SIDE} JPEG bytes, decoded and letterboxed where they are predicted, as photos are; after a warm-up (start-up and model loads excluded)`);
  for (const r of reports) {
    const ratio = r === base ? '' : ` (${(r.imagesPerSecond / base.imagesPerSecond).toFixed(2)}× ${base.strategy})`;
    write(`${r.strategy.padEnd(9)} ${setup(r)} ${r.imagesPerSecond.toFixed(1)} images/s${ratio}`);
  }
  write(`  the model's own 160x160 pixels, raw (the accuracy pass): ${reports.map((r) => `${r.strategy} ${r.rawImagesPerSecond.toFixed(0)}`).join(', ')} images/s`);
  write('what they mean: whole predictions per second with every instance warm (starting workers and loading the model excluded)');
  write(
    `  a photo costs ${base.computeMs.photo.toFixed(1)} ms of computing in ${base.strategy} (decoding, letterboxing, inference, output): work a pool spreads over the cores`,
  );
  write(
    `  a raw scene costs ${base.computeMs.raw.toFixed(1)} ms (inference ${base.inferenceMs.toFixed(1)} ms): on this tiny model a pool's hand-over of each image ` +
      '(copied to a worker, its result back) weighs as much as the work; yolov8n (100 to 200 ms of inference per image on one core) gains the most from a pool',
  );
  write(`  load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores while measuring: other work on the machine lowers and scatters these figures.`);
}

function medianComputeMs(results: readonly Result[]): number {
  return median(results.map((r) => r.speed.preprocess + r.speed.inference + r.speed.postprocess));
}

async function importOptional<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new BackendUnavailableError(`yolokit demo needs ${name}: npm install ${name}`, [], { cause: error });
  }
}
