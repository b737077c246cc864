import type { MachineInfo } from './process-metrics.js';

/** The `schema` field of every `yolokit bench --json` file. */
export const BENCH_SCHEMA = 'yolokit.bench';

/**
 * Version of the JSON shape. Within one version fields are never removed, renamed or given another meaning;
 * new fields may be added (ignore the ones you do not know).
 */
export const BENCH_SCHEMA_VERSION = 1;

/** Latency percentiles, ms. */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** Lowest and highest round, and their distance relative to the median. */
export interface Spread {
  readonly min: number;
  readonly max: number;
  /** `(max - min) / median`. */
  readonly relative: number;
}

/** CPU use over a measurement, every process of the setup counted. */
export interface CpuUse {
  /** CPU seconds per wall second: 2 means two cores busy all along. */
  readonly busyCores: number;
  /** `busyCores` ÷ the machine's cores, 0..1. */
  readonly utilization: number;
  /** CPU milliseconds spent per image (or per bare run). */
  readonly msPerImage: number;
}

/** A bare `session.run` baseline at one parallelism. */
export interface BareRunBaseline {
  readonly workers: number;
  readonly threadsPerWorker: number;
  /** Runs per second, every worker together, median over rounds. */
  readonly throughput: number;
  readonly throughputRounds: readonly number[];
  readonly spread: Spread;
  /** `session.run` times, medians over rounds. */
  readonly latencyMs: LatencyPercentiles;
  readonly eventLoopDelayP99Ms: number;
  readonly peakRssBytes: number;
  readonly cpu: CpuUse;
}

/** The time of a request, split: what the model computed, and the rest. Means, medians over rounds. */
export interface ComputeSplit {
  readonly preprocess: number;
  readonly inference: number;
  readonly postprocess: number;
  /** preprocess + inference + postprocess. */
  readonly total: number;
}

/**
 * The model's stages per image (`Result.speed`), ms: the median over the requests of a round, then the median
 * over rounds. Beside {@link ComputeSplit}'s means: one slow image (a crowded scene's masks) moves a mean, not this.
 */
export interface StageMedians {
  readonly preprocess: number;
  readonly inference: number;
  readonly postprocess: number;
}

/** One measured configuration: a setup at a concurrency, over every round. */
export interface BenchConfigurationJson {
  /** 1 for the highest throughput. */
  readonly rank: number;
  /**
   * `locked`, `threads`, `processes`, `auto` (whose `workers`/`threadsPerWorker` are its choice) or `queue`
   * (`workers` `yolokit worker` processes, each one model instance with `threadsPerWorker` intra-op threads).
   */
  readonly strategy: string;
  /** Requests kept in flight. */
  readonly concurrency: number;
  readonly workers: number;
  readonly threadsPerWorker: number;
  /** Images per second, median over rounds. */
  readonly throughput: number;
  /** Images per second of each round, in round order. */
  readonly throughputRounds: readonly number[];
  readonly spread: Spread;
  /** Submission to result, queue wait included, ms; each percentile the median over rounds. */
  readonly latencyMs: LatencyPercentiles;
  /** Latency not spent in the model (queue wait, transfer to and from the worker), ms. */
  readonly waitMs: { readonly p50: number; readonly mean: number };
  /** Time the model spent per image, by stage (`Result.speed`), ms. */
  readonly computeMs: ComputeSplit;
  /** The same stages as medians (present in files written since segmentation and pose models were benched). */
  readonly stageMedianMs?: StageMedians;
  /** The main thread's event-loop delay, 99th percentile, ms, median over rounds. */
  readonly eventLoopDelayP99Ms: number;
  /**
   * Peak resident memory summed over this process and the setup's child processes, bytes, highest round. For
   * `queue`: this process (the producer) and the `yolokit worker` processes with their children; Redis is not
   * counted, in memory or CPU.
   */
  readonly peakRssBytes: number;
  readonly cpu: CpuUse;
  /** Throughput ratios: to the bare run at the same workers × threads, to one single-threaded instance, to rank 1. */
  readonly ratios: { readonly bareRun: number; readonly singleThread: number; readonly best: number };
  /** Requests completed per measurement, median over rounds. */
  readonly requests: number;
  /**
   * `auto` only: the pool it chose (the most frequent choice over rounds; `workers`/`threadsPerWorker` above are
   * its), the choice of each round, and how long each round's short sweep took (ms).
   */
  readonly auto?: {
    readonly strategy: string;
    readonly choices: ReadonlyArray<{ readonly strategy: string; readonly workers: number; readonly threadsPerWorker: number }>;
    readonly sweepMs: readonly number[];
  };
}

/** One `yolokit bench --json` file. */
export interface BenchJson {
  readonly schema: typeof BENCH_SCHEMA;
  readonly version: typeof BENCH_SCHEMA_VERSION;
  /** When the run started, ISO 8601. */
  readonly createdAt: string;
  readonly command: string;
  readonly model: {
    readonly path: string;
    readonly backend: string;
    readonly runtime: string;
    readonly inputSize: readonly number[];
    /**
     * What the model does: `detect`, `segment` or `pose` (`null` when a TF.js graph does not tell before a run;
     * absent in files written before segmentation and pose models were benched).
     */
    readonly task?: string | null;
  };
  readonly images: { readonly count: number; readonly sources: readonly string[] };
  readonly settings: {
    readonly strategies: readonly string[];
    readonly concurrency: readonly number[];
    readonly sweep: boolean;
    readonly rounds: number;
    readonly requests: number | null;
    readonly durationMs: number | null;
    readonly warmup: number | null;
    readonly eventLoopResolutionMs: number;
    /**
     * Where the Redis of `queue` was (present when `queue` was measured): the `--redis` URL without its
     * password, or `private` for a redis-server the bench started on this machine.
     */
    readonly redis?: string;
  };
  readonly machine: MachineInfo;
  readonly baselines: {
    /** The bare run at the parallelism of the rank-1 configuration (what its `ratios.bareRun` divides by). */
    readonly bareRun: BareRunBaseline;
    /** One instance, one intra-op thread, one request at a time, whole pipeline. */
    readonly singleThread: BenchConfigurationJson;
    /** The bare run at every parallelism measured. */
    readonly bareRunByParallelism: readonly BareRunBaseline[];
  };
  /** Highest throughput first. */
  readonly configurations: readonly BenchConfigurationJson[];
  readonly summary: BenchSummary;
  /** The machine's 1-minute load average at start and end: how much else was running. */
  readonly environment: { readonly loadAverage: { readonly start: number; readonly end: number }; readonly wallSeconds: number };
}

/** The ratios the bench is for, computed from the configurations and baselines above. */
export interface BenchSummary {
  /** The rank-1 configuration among the named strategies (`auto` excluded: it is judged against this one). */
  readonly best: { readonly strategy: string; readonly workers: number; readonly threadsPerWorker: number; readonly concurrency: number; readonly throughput: number };
  /** best ÷ bare run at the same parallelism: the ratio of medians, and round by round. */
  readonly sdkOverhead: { readonly ratio: number; readonly rounds: readonly number[] };
  /** best ÷ one single-threaded instance: the ratio of medians, and round by round. */
  readonly scaling: { readonly ratio: number; readonly rounds: readonly number[] };
  /** How `auto` did against the best (absent when auto was not measured). */
  readonly auto?: {
    /** The pool auto chose: `threads` or `processes`. */
    readonly strategy: string;
    readonly workers: number;
    readonly threadsPerWorker: number;
    /** The best configuration's concurrency (or auto's first, if auto was not measured at it). */
    readonly concurrency: number;
    /** Auto at that concurrency, images/s. */
    readonly throughput: number;
    /** Auto at the best configuration's concurrency ÷ best. */
    readonly ratioToBest: number;
    /** Auto's own highest configuration (at whichever concurrency) ÷ best: peak against peak. */
    readonly peak?: { readonly concurrency: number; readonly throughput: number; readonly ratioToBest: number };
    /**
     * The setup auto chose, as measured by the sweep under its own strategy name (its highest configuration) ÷
     * best: whether the choice is right, apart from the noise between two measurements of one setup. `null` when
     * the sweep did not measure that setup.
     */
    readonly chosenSetupInSweep?: { readonly concurrency: number; readonly throughput: number; readonly ratioToBest: number } | null;
  };
  /** Per strategy, the highest event-loop delay p99 (ms) of its setups at the highest concurrency measured. */
  readonly eventLoopDelayP99MsAtFullLoad: Readonly<Record<string, number>>;
  /**
   * What the model's task costs after inference (decoding, NMS, and a segmentation model's masks or a pose
   * model's keypoints), measured on the single-thread baseline, where no other request competes for the CPU:
   * the postprocess median against the inference median. Absent in files written before it was added.
   */
  readonly postprocess?: {
    readonly task: string | null;
    /** Postprocess per image, ms: the single-thread baseline's `stageMedianMs.postprocess`. */
    readonly medianMs: number;
    /** Inference per image, ms: its `stageMedianMs.inference`. */
    readonly inferenceMedianMs: number;
    /** `medianMs / inferenceMedianMs`. */
    readonly ratioToInference: number;
  };
}
