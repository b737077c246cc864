import { availableParallelism } from 'node:os';
import { describeValue, type ImageInput, InvalidOptionError, isRawImage } from '@yolokit/core';
import { optionsObject, positiveInteger, rejectUnknown, required } from '@yolokit/core/internal';
import { isModelSpec } from './model-spec.js';
import type { Predictor, PredictorOptions } from './predictor.js';

/** One workers × intra-op threads setup that `strategy: 'auto'` may choose. */
export interface AutoCandidate {
  readonly workers: number;
  readonly threadsPerWorker: number;
}

/** A pool strategy `strategy: 'auto'` may choose. */
export type AutoPoolStrategy = 'threads' | 'processes';

/** What the short sweep of `strategy: 'auto'` measured for one candidate. */
export interface AutoMeasurement extends AutoCandidate {
  readonly strategy: AutoPoolStrategy;
  /** Images per second, median over the rounds it was measured in. */
  readonly throughput: number;
  /**
   * Images per second of each round it was measured in, in round order: a candidate far behind after the first
   * round is not measured again.
   */
  readonly rounds: readonly number[];
}

/** The outcome of the short sweep: the setup chosen and what every candidate measured. */
export interface AutoChoice extends AutoCandidate {
  /** The pool strategy the chosen setup runs on. */
  readonly strategy: AutoPoolStrategy;
  /** Every candidate, highest throughput first (the first one is the choice). */
  readonly measurements: readonly AutoMeasurement[];
  /** Wall time of the sweep, model loads included, in milliseconds. */
  readonly elapsedMs: number;
}

/** Options of `strategy: 'auto'`, under `PredictorOptions.auto`. */
export interface AutoOptions {
  /**
   * Images the sweep predicts. Representative images give the most faithful choice: decoding and letterboxing
   * cost CPU that competes with inference, and that cost depends on the images' size and format. Paths and URLs
   * are used as they are; bytes and raw pixels are copied for each prediction (a `threads` pool takes
   * ownership of what it is given).
   * @defaultValue one synthetic 640×480 RGB image (raw pixels)
   */
  readonly images?: readonly ImageInput[];
  /**
   * The pools the candidates run on; every candidate split is measured on each. Give `['threads']` to rule out
   * a process per worker (memory, start-up) or `['processes']` to require crash isolation.
   * @defaultValue `['threads', 'processes']`. On this project's 2-core machine two processes ran the whole
   * pipeline a few percent faster than two worker threads (sharp decodes slower in threads sharing one process;
   * `yolokit bench` shows it), so leaving processes out can cost that much.
   */
  readonly strategies?: readonly AutoPoolStrategy[];
  /**
   * The setups to measure.
   * @defaultValue every workers × threadsPerWorker whose product is the number of cores (on 2 cores: 2 × 1 and
   * 1 × 2; on 8 cores: 8 × 1, 4 × 2, 2 × 4, 1 × 8)
   */
  readonly candidates?: readonly AutoCandidate[];
  /**
   * Predictions measured per candidate in each round, after a warm-up of two per worker.
   * @defaultValue `max(16, 8 × workers)`
   */
  readonly requests?: number;
  /**
   * Rounds; the candidates' order is rotated each round so that a burst of load elsewhere on the machine does not
   * always hit the same one. A candidate's score is its median round. After the first round, candidates below
   * 80% of the leader are dropped (no noise this machine showed closes such a gap).
   * @defaultValue 3
   */
  readonly rounds?: number;
  /** Called with the sweep's result before the chosen predictor is opened, to log or record the choice. */
  readonly onChoice?: (choice: AutoChoice) => void;
}

const AUTO_KEYS = new Set(['images', 'strategies', 'candidates', 'requests', 'rounds', 'onChoice']);
/** Candidates below this fraction of the leader after the first round are not measured again. */
const PRUNE_BELOW = 0.8;
/** Options `strategy: 'auto'` sets itself. */
const CHOSEN_BY_AUTO = ['workers', 'threadsPerWorker', 'offMainThread', 'lock'] as const;

/**
 * The default candidates: every split of the cores into workers × intra-op threads that uses all of them.
 * Setups that leave cores idle are not measured: on an otherwise idle machine they cannot win (the full
 * sweep of `yolokit bench --sweep` measures them too, and they come last).
 */
export function autoCandidates(cores = availableParallelism()): AutoCandidate[] {
  const candidates: AutoCandidate[] = [];
  for (let workers = cores; workers >= 1; workers--) {
    if (cores % workers === 0) candidates.push({ workers, threadsPerWorker: cores / workers });
  }
  return candidates;
}

type Create = (options: PredictorOptions) => Promise<Predictor>;

/**
 * Runs the short sweep of `strategy: 'auto'` and returns the choice, without keeping any predictor open:
 * each candidate is opened, warmed up (two predictions per worker, not counted), measured with
 * {@link AutoOptions.requests} predictions kept flowing through `predictMany`, and closed; this is repeated for
 * {@link AutoOptions.rounds} rounds with the order rotated; the highest median throughput wins.
 * @internal `createPredictor({ strategy: 'auto', ... })` is the public way in.
 */
export async function chooseAutoConfiguration(options: PredictorOptions, create: Create, cores = availableParallelism()): Promise<AutoChoice> {
  const started = performance.now();
  const { auto, base } = splitAutoOptions(options);
  const strategies = auto.strategies ?? ['threads', 'processes'];
  const candidates = auto.candidates ?? autoCandidates(cores);
  const images = auto.images ?? [syntheticImage()];
  const rounds = auto.rounds ?? 3;
  const measured = strategies.flatMap((strategy) => candidates.map((candidate) => ({ strategy, ...candidate, rounds: [] as number[] })));
  if (measured.length > 1) {
    let active = measured;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < active.length; i++) {
        const entry = active[(i + round) % active.length];
        const predictor = await create({ ...base, strategy: entry.strategy, workers: entry.workers, threadsPerWorker: entry.threadsPerWorker });
        try {
          const sample = (count: number): ImageInput[] => Array.from({ length: count }, (_, k) => fresh(images[k % images.length]));
          await predictor.predictMany(sample(2 * entry.workers));
          const requests = auto.requests ?? Math.max(16, 8 * entry.workers);
          const batch = sample(requests);
          const t0 = performance.now();
          await predictor.predictMany(batch);
          entry.rounds.push((requests * 1000) / (performance.now() - t0));
        } finally {
          await predictor.close();
        }
      }
      const leader = Math.max(...active.map((entry) => median(entry.rounds)));
      active = active.filter((entry) => median(entry.rounds) >= PRUNE_BELOW * leader);
    }
  }
  const measurements: AutoMeasurement[] = measured
    .map((entry) => ({ strategy: entry.strategy, workers: entry.workers, threadsPerWorker: entry.threadsPerWorker, throughput: median(entry.rounds), rounds: entry.rounds }))
    .sort((a, b) => b.throughput - a.throughput);
  const best = measurements[0];
  return { strategy: best.strategy, workers: best.workers, threadsPerWorker: best.threadsPerWorker, measurements, elapsedMs: performance.now() - started };
}

/**
 * `createPredictor({ strategy: 'auto', ... })`: the short sweep, then the chosen pool, opened with every other
 * option as given.
 * @internal
 */
export async function createAutoPredictor(options: PredictorOptions, create: Create): Promise<Predictor> {
  const choice = await chooseAutoConfiguration(options, create);
  const { auto, base } = splitAutoOptions(options);
  auto.onChoice?.(choice);
  return create({ ...base, strategy: choice.strategy, workers: choice.workers, threadsPerWorker: choice.threadsPerWorker });
}

/** Validates the options of `strategy: 'auto'` and splits them into the sweep's and the pool's. */
function splitAutoOptions(options: PredictorOptions): { auto: AutoOptions; base: Omit<PredictorOptions, 'strategy' | 'auto'> } {
  const { strategy: _strategy, auto = {}, ...base } = options;
  for (const key of CHOSEN_BY_AUTO) {
    if (base[key] !== undefined) {
      throw new InvalidOptionError(`options.${key}`, `options.${key} cannot be combined with strategy 'auto', which chooses workers and threads itself; give strategy 'threads' or 'processes' to set them`);
    }
  }
  if (!isModelSpec(base.model)) {
    throw new InvalidOptionError('options.model', `options.model must be a model spec for strategy 'auto' (it runs the model in worker pools), got ${describeValue(base.model)}`);
  }
  rejectUnknown(optionsObject(auto, 'options.auto', { shape: '{ images?, strategies?, candidates?, requests?, rounds?, onChoice? }' }), AUTO_KEYS, 'an auto', 'options.auto');
  if (
    auto.strategies !== undefined &&
    (!Array.isArray(auto.strategies) || auto.strategies.length === 0 || auto.strategies.some((name) => name !== 'threads' && name !== 'processes'))
  ) {
    throw new InvalidOptionError('options.auto.strategies', `options.auto.strategies must be a non-empty array of 'threads' and 'processes', got ${Array.isArray(auto.strategies) ? JSON.stringify(auto.strategies) : describeValue(auto.strategies)}`);
  }
  if (auto.images !== undefined && (!Array.isArray(auto.images) || auto.images.length === 0)) {
    throw new InvalidOptionError('options.auto.images', `options.auto.images must be a non-empty array of images, got ${describeValue(auto.images)}`);
  }
  if (auto.candidates !== undefined) {
    if (!Array.isArray(auto.candidates) || auto.candidates.length === 0) {
      throw new InvalidOptionError('options.auto.candidates', `options.auto.candidates must be a non-empty array of { workers, threadsPerWorker }, got ${describeValue(auto.candidates)}`);
    }
    auto.candidates.forEach((candidate, index) => {
      for (const key of ['workers', 'threadsPerWorker'] as const) {
        const option = `options.auto.candidates[${index}].${key}`;
        positiveInteger(required(candidate?.[key], option, 'a positive integer'), option);
      }
    });
  }
  positiveInteger(auto.requests, 'options.auto.requests');
  positiveInteger(auto.rounds, 'options.auto.rounds');
  if (auto.onChoice !== undefined && typeof auto.onChoice !== 'function') {
    throw new InvalidOptionError('options.auto.onChoice', `options.auto.onChoice must be a function, got ${describeValue(auto.onChoice)}`);
  }
  return { auto, base };
}

/** An image a pool may take ownership of: bytes and pixels are copied, paths and URLs are as they are. */
function fresh(image: ImageInput): ImageInput {
  if (image instanceof Uint8Array) return image.slice();
  if (image instanceof ArrayBuffer) return image.slice(0);
  if (isRawImage(image)) return { ...image, data: image.data.slice() };
  return image;
}

/** A 640×480 RGB gradient: decoding is skipped for raw pixels, letterboxing and inference are not. */
function syntheticImage(): ImageInput {
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = ((x + y) * 97) & 255;
    }
  }
  return { data, width, height, channels: 3 };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
