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
export function learningRateAt(config: Schedule, step: number): number {
  if (step < config.warmupSteps) return (config.learningRate * (step + 1)) / config.warmupSteps;
  const progress = (step - config.warmupSteps) / Math.max(1, config.steps - config.warmupSteps);
  return config.finalLearningRate + 0.5 * (config.learningRate - config.finalLearningRate) * (1 + Math.cos(Math.PI * progress));
}

/** The schedule of an optimisation: steps, and the learning rate's warm-up and cosine decay. */
export type Schedule = Pick<TrainingConfig, 'steps' | 'learningRate' | 'finalLearningRate' | 'warmupSteps'>;

/** One step's data and loss: `loss` runs the network (in training mode, recording BatchNorm statistics in `stats`). */
export interface Step<Part extends string> {
  loss(stats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>): { total: tf.Scalar; parts: Record<Part, tf.Scalar> };
  /** Frees the step's input tensors. */
  dispose(): void;
}

/**
 * Adam over `network`'s variables with the schedule's learning rate, one batch per step (`stepAt` builds it), the
 * BatchNorm running statistics updated after each step. `onStep` sees each step's losses; a loss that is not
 * finite stops the run. Shared by every model's training script.
 */
export async function optimise<Part extends string>(
  network: Network,
  schedule: Schedule,
  stepAt: (step: number) => Step<Part>,
  onStep: (report: { step: number; learningRate: number; total: number; parts: Record<Part, number>; seconds: number }) => Promise<void> | void,
): Promise<void> {
  const optimizer = tf.train.adam(schedule.learningRate, 0.9, 0.999, 1e-7);
  const variables = network.trainableVariables();
  const started = performance.now();
  for (let step = 0; step < schedule.steps; step++) {
    const batch = stepAt(step);
    const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    let kept: Record<Part, tf.Scalar> | undefined;
    const learningRate = learningRateAt(schedule, step);
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    const total = optimizer.minimize(
      () => {
        const loss = batch.loss(stats);
        kept = Object.fromEntries(Object.entries(loss.parts).map(([name, value]) => [name, tf.keep(value as tf.Scalar)])) as Record<Part, tf.Scalar>;
        return loss.total;
      },
      true,
      variables,
    )!;
    network.updateRunningStats(stats);
    const parts = {} as Record<Part, number>;
    for (const [name, value] of Object.entries(kept ?? {}) as [Part, tf.Scalar][]) parts[name] = (await value.data())[0];
    const report = { step: step + 1, learningRate, total: (await total.data())[0], parts, seconds: (performance.now() - started) / 1000 };
    tf.dispose([total, ...Object.values<tf.Scalar>(kept ?? {})]);
    batch.dispose();
    if (!Number.isFinite(report.total)) throw new Error(`training diverged at step ${step + 1}: loss ${report.total}`);
    await onStep(report);
  }
  optimizer.dispose();
}

/** Trains a network from scratch, step by step; `onStep` sees each step's losses (and may evaluate). */
export async function train(
  architecture: Architecture,
  config: TrainingConfig,
  onStep: (report: StepReport, network: Network) => Promise<void> | void,
): Promise<Network> {
  const network = new Network(architecture, config.seed);
  const s = architecture.imgsz;
  await optimise(
    network,
    config,
    (step) => {
      const scenes = Array.from({ length: config.batchSize }, (_, i) =>
        generateScene(config.firstSceneSeed + step * config.batchSize + i, { size: s, maxObjects: config.maxObjects }),
      );
      const batch = buildBatch(scenes, architecture, config.assignment);
      const n = batch.positive.length / batch.size;
      const images = tf.tensor4d(batch.images, [batch.size, s, s, 3]);
      const cls = tf.tensor3d(batch.cls, [batch.size, n, architecture.classCount]);
      const box = tf.tensor3d(batch.box, [batch.size, n, 4]);
      const positive = tf.tensor3d(batch.positive, [batch.size, n, 1]);
      return {
        loss: (stats) => {
          const loss = detectionLoss(network, network.forward(images, true, stats), { cls, box, positive, positives: batch.positives }, config.loss);
          return { total: loss.total, parts: { cls: loss.cls, iou: loss.iou, logDistance: loss.logDistance } };
        },
        dispose: () => tf.dispose([images, cls, box, positive]),
      };
    },
    ({ step, learningRate, total, parts, seconds }) => onStep({ step, learningRate, total, ...parts, seconds }, network),
  );
  return network;
}
