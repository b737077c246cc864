import type { Architecture } from '../export/architecture.js';
import { generateScene } from '../generate-scene.js';
import { detectionLoss, type LossWeights } from './loss.js';
import { Network } from './network.js';
import { type AssignmentOptions, buildBatch } from './targets.js';
import { tf } from './tf-setup.js';

/** Everything that decides the trained weights. */
export interface TrainingConfig {
  readonly seed: number;
  readonly steps: number;
  readonly batchSize: number;
  /** Peak learning rate of Adam, reached after `warmupSteps` and decayed along a cosine to `finalLearningRate`. */
  readonly learningRate: number;
  readonly finalLearningRate: number;
  readonly warmupSteps: number;
  /** Training scene `k` of the run is `generateScene(firstSceneSeed + k, sceneOptions)`. */
  readonly firstSceneSeed: number;
  readonly maxObjects: number;
  readonly assignment: AssignmentOptions;
  readonly loss: LossWeights;
}

export interface StepReport {
  step: number;
  learningRate: number;
  total: number;
  cls: number;
  iou: number;
  logDistance: number;
  seconds: number;
}

/** Learning rate at a step: linear warm-up, then cosine decay. */
export function learningRateAt(config: TrainingConfig, step: number): number {
  if (step < config.warmupSteps) return (config.learningRate * (step + 1)) / config.warmupSteps;
  const progress = (step - config.warmupSteps) / Math.max(1, config.steps - config.warmupSteps);
  return config.finalLearningRate + 0.5 * (config.learningRate - config.finalLearningRate) * (1 + Math.cos(Math.PI * progress));
}

/** Trains a network from scratch, step by step; `onStep` sees each step's losses (and may evaluate). */
export async function train(
  architecture: Architecture,
  config: TrainingConfig,
  onStep: (report: StepReport, network: Network) => Promise<void> | void,
): Promise<Network> {
  const network = new Network(architecture, config.seed);
  const optimizer = tf.train.adam(config.learningRate, 0.9, 0.999, 1e-7);
  const variables = network.trainableVariables();
  const s = architecture.imgsz;
  const started = performance.now();
  for (let step = 0; step < config.steps; step++) {
    const scenes = Array.from({ length: config.batchSize }, (_, i) =>
      generateScene(config.firstSceneSeed + step * config.batchSize + i, { size: s, maxObjects: config.maxObjects }),
    );
    const batch = buildBatch(scenes, architecture, config.assignment);
    const n = batch.positive.length / batch.size;
    const images = tf.tensor4d(batch.images, [batch.size, s, s, 3]);
    const cls = tf.tensor3d(batch.cls, [batch.size, n, architecture.classCount]);
    const box = tf.tensor3d(batch.box, [batch.size, n, 4]);
    const positive = tf.tensor3d(batch.positive, [batch.size, n, 1]);
    const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    const parts: Partial<Record<'cls' | 'iou' | 'logDistance', tf.Scalar>> = {};
    const learningRate = learningRateAt(config, step);
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    const total = optimizer.minimize(
      () => {
        const raw = network.forward(images, true, stats);
        const loss = detectionLoss(network, raw, { cls, box, positive, positives: batch.positives }, config.loss);
        parts.cls = tf.keep(loss.cls);
        parts.iou = tf.keep(loss.iou);
        parts.logDistance = tf.keep(loss.logDistance);
        return loss.total;
      },
      true,
      variables,
    )!;
    network.updateRunningStats(stats);
    const report: StepReport = {
      step: step + 1,
      learningRate,
      total: (await total.data())[0],
      cls: (await parts.cls!.data())[0],
      iou: (await parts.iou!.data())[0],
      logDistance: (await parts.logDistance!.data())[0],
      seconds: (performance.now() - started) / 1000,
    };
    tf.dispose([total, images, cls, box, positive, parts.cls!, parts.iou!, parts.logDistance!]);
    if (!Number.isFinite(report.total)) throw new Error(`training diverged at step ${step + 1}: loss ${report.total}`);
    await onStep(report, network);
  }
  optimizer.dispose();
  return network;
}
