import type {
  BareRunBaseline,
  BenchConfigurationJson,
  BenchJson,
  BenchSummary,
  ComputeSplit,
  CpuUse,
  LatencyPercentiles,
  Spread,
  StageMedians,
} from './bench-json.js';
import { mean, median, percentile, type SystemSample } from './measure.js';

/** One measurement of one configuration (or baseline) in one round. */
export interface RoundRecord {
  readonly round: number;
  readonly completed: number;
  /** First submission to last result (the load generator's window). */
  readonly wallMs: number;
  /** Per request, ms: latency for predictions, `session.run` time for the bare run. */
  readonly latencies: readonly number[];
  /** Per request, the model's stages (absent for the bare run). */
  readonly compute?: ReadonlyArray<{ preprocess: number; inference: number; postprocess: number }>;
  readonly system: SystemSample;
}

/** A setup at a concurrency, with its rounds. */
export interface MeasuredConfiguration {
  readonly strategy: string;
  readonly concurrency: number;
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly records: readonly RoundRecord[];
  readonly auto?: BenchConfigurationJson['auto'];
}

/** A bare-run parallelism with its rounds. */
export interface MeasuredBareRun {
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly records: readonly RoundRecord[];
}

/** Everything {@link buildBenchJson} needs. */
export interface BenchInput extends Pick<BenchJson, 'createdAt' | 'command' | 'model' | 'images' | 'settings' | 'machine' | 'environment'> {
  readonly cores: number;
  readonly singleThread: MeasuredConfiguration;
  readonly bareRuns: readonly MeasuredBareRun[];
  readonly configurations: readonly MeasuredConfiguration[];
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

function throughputOf(record: RoundRecord): number {
  return record.wallMs > 0 ? (record.completed * 1000) / record.wallMs : 0;
}

function spreadOf(values: readonly number[]): Spread {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { min: round3(min), max: round3(max), relative: m > 0 ? round3((max - min) / m) : 0 };
}

function latencyOf(records: readonly RoundRecord[]): LatencyPercentiles {
  const per = records.map((record) => [...record.latencies].sort((a, b) => a - b));
  const at = (q: number): number => round3(median(per.map((sorted) => percentile(sorted, q))));
  return { p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99) };
}

function cpuOf(records: readonly RoundRecord[], cores: number): CpuUse {
  const busy = median(records.map((r) => (r.system.wallMs > 0 ? r.system.cpuSeconds / (r.system.wallMs / 1000) : 0)));
  return {
    busyCores: round3(busy),
    utilization: round3(busy / cores),
    msPerImage: round3(median(records.map((r) => (r.completed > 0 ? (r.system.cpuSeconds * 1000) / r.completed : 0)))),
  };
}

function computeOf(records: readonly RoundRecord[]): ComputeSplit {
  const stage = (key: 'preprocess' | 'inference' | 'postprocess'): number => median(records.map((r) => mean((r.compute ?? []).map((c) => c[key]))));
  const preprocess = stage('preprocess');
  const inference = stage('inference');
  const postprocess = stage('postprocess');
  return { preprocess: round3(preprocess), inference: round3(inference), postprocess: round3(postprocess), total: round3(preprocess + inference + postprocess) };
}

function stageMediansOf(records: readonly RoundRecord[]): StageMedians {
  const stage = (key: keyof StageMedians): number => round3(median(records.map((r) => median((r.compute ?? []).map((c) => c[key])))));
  return { preprocess: stage('preprocess'), inference: stage('inference'), postprocess: stage('postprocess') };
}

function waitOf(records: readonly RoundRecord[]): { p50: number; mean: number } {
  const waits = records.map((r) =>
    r.latencies.map((latency, i) => {
      const c = r.compute?.[i];
      return c ? Math.max(0, latency - c.preprocess - c.inference - c.postprocess) : 0;
    }),
  );
  return {
    p50: round3(median(waits.map((w) => percentile([...w].sort((a, b) => a - b), 0.5)))),
    mean: round3(median(waits.map((w) => mean(w)))),
  };
}

function systemOf(records: readonly RoundRecord[]): { eventLoopDelayP99Ms: number; peakRssBytes: number } {
  return {
    eventLoopDelayP99Ms: round3(median(records.map((r) => r.system.eventLoopDelayP99Ms))),
    // A peak: the highest round is what to provision for.
    peakRssBytes: Math.max(...records.map((r) => r.system.peakRssBytes)),
  };
}

/** Per-round throughputs by round index (a round that did not measure this one is skipped). */
function roundsOf(records: readonly RoundRecord[]): Map<number, number> {
  return new Map(records.map((r) => [r.round, throughputOf(r)]));
}

function bareRunOf(bare: MeasuredBareRun, cores: number): BareRunBaseline {
  const rounds = bare.records.map(throughputOf);
  return {
    workers: bare.workers,
    threadsPerWorker: bare.threadsPerWorker,
    throughput: round3(median(rounds)),
    throughputRounds: rounds.map(round3),
    spread: spreadOf(rounds),
    latencyMs: latencyOf(bare.records),
    ...systemOf(bare.records),
    cpu: cpuOf(bare.records, cores),
  };
}

function configurationOf(measured: MeasuredConfiguration, cores: number): Omit<BenchConfigurationJson, 'rank' | 'ratios'> {
  const rounds = measured.records.map(throughputOf);
  return {
    strategy: measured.strategy,
    concurrency: measured.concurrency,
    workers: measured.workers,
    threadsPerWorker: measured.threadsPerWorker,
    throughput: round3(median(rounds)),
    throughputRounds: rounds.map(round3),
    spread: spreadOf(rounds),
    latencyMs: latencyOf(measured.records),
    waitMs: waitOf(measured.records),
    computeMs: computeOf(measured.records),
    stageMedianMs: stageMediansOf(measured.records),
    ...systemOf(measured.records),
    cpu: cpuOf(measured.records, cores),
    requests: median(measured.records.map((r) => r.completed)),
    ...(measured.auto ? { auto: measured.auto } : {}),
  };
}

/** Round-by-round ratios of two measurements taken in the same rounds. */
function pairedRatios(numerator: readonly RoundRecord[], denominator: readonly RoundRecord[]): number[] {
  const below = roundsOf(denominator);
  return numerator.flatMap((r) => {
    const d = below.get(r.round);
    return d ? [round3(throughputOf(r) / d)] : [];
  });
}

const parallelismKey = (p: { workers: number; threadsPerWorker: number }): string => `${p.workers}x${p.threadsPerWorker}`;

/**
 * Builds the `yolokit bench --json` document from the raw rounds: medians over rounds, spreads, ratios to the
 * baselines, configurations ranked by throughput, and the summary.
 */
export function buildBenchJson(input: BenchInput): BenchJson {
  const { cores } = input;
  const bareByKey = new Map(input.bareRuns.map((bare) => [parallelismKey(bare), bare]));
  const bareRunByParallelism = input.bareRuns.map((bare) => bareRunOf(bare, cores));
  const bareJsonByKey = new Map(bareRunByParallelism.map((bare) => [parallelismKey(bare), bare]));
  const single = configurationOf(input.singleThread, cores);

  const unranked = input.configurations.map((measured) => ({ measured, json: configurationOf(measured, cores) }));
  unranked.sort((a, b) => b.json.throughput - a.json.throughput);
  const top = unranked[0]?.json.throughput ?? 0;
  const ratio = (value: number, to: number | undefined): number => (to && to > 0 ? round3(value / to) : 0);
  const configurations: BenchConfigurationJson[] = unranked.map(({ json }, index) => ({
    rank: index + 1,
    ...json,
    ratios: {
      bareRun: ratio(json.throughput, bareJsonByKey.get(parallelismKey(json))?.throughput),
      singleThread: ratio(json.throughput, single.throughput),
      best: ratio(json.throughput, top),
    },
  }));
  const singleThread: BenchConfigurationJson = {
    rank: 0,
    ...single,
    ratios: { bareRun: ratio(single.throughput, bareJsonByKey.get('1x1')?.throughput), singleThread: 1, best: ratio(single.throughput, top) },
  };

  const named = unranked.filter(({ json }) => json.strategy !== 'auto');
  const best = (named.length > 0 ? named : unranked)[0];
  if (!best) throw new Error('no configuration was measured');
  const bestBare = bareByKey.get(parallelismKey(best.json));
  const bareRun = bareJsonByKey.get(parallelismKey(best.json)) ?? bareRunByParallelism[0];

  const summary: BenchSummary = {
    best: {
      strategy: best.json.strategy,
      workers: best.json.workers,
      threadsPerWorker: best.json.threadsPerWorker,
      concurrency: best.json.concurrency,
      throughput: best.json.throughput,
    },
    sdkOverhead: {
      ratio: ratio(best.json.throughput, bestBare ? bareJsonByKey.get(parallelismKey(bestBare))?.throughput : undefined),
      rounds: bestBare ? pairedRatios(best.measured.records, bestBare.records) : [],
    },
    scaling: { ratio: ratio(best.json.throughput, single.throughput), rounds: pairedRatios(best.measured.records, input.singleThread.records) },
    ...autoSummary(configurations, best.json),
    eventLoopDelayP99MsAtFullLoad: eventLoopAtFullLoad(configurations),
    postprocess: postprocessSummary(input.model.task ?? null, stageMediansOf(input.singleThread.records)),
  };

  return {
    schema: 'yolokit.bench',
    version: 1,
    createdAt: input.createdAt,
    command: input.command,
    model: input.model,
    images: input.images,
    settings: input.settings,
    machine: input.machine,
    baselines: { bareRun, singleThread, bareRunByParallelism },
    configurations,
    summary,
    environment: input.environment,
  };
}

function autoSummary(configurations: readonly BenchConfigurationJson[], best: { throughput: number; concurrency: number }): Pick<BenchSummary, 'auto'> {
  const autos = configurations.filter((c) => c.strategy === 'auto');
  if (autos.length === 0) return {};
  const ratio = (value: number): number => (best.throughput > 0 ? round3(value / best.throughput) : 0);
  const auto = autos.find((c) => c.concurrency === best.concurrency) ?? autos[0];
  // configurations are ranked, so the first auto one is its highest.
  const peak = autos[0];
  const strategy = auto.auto?.strategy ?? 'auto';
  const same = configurations.filter((c) => c.strategy === strategy && c.workers === auto.workers && c.threadsPerWorker === auto.threadsPerWorker)[0];
  return {
    auto: {
      strategy,
      workers: auto.workers,
      threadsPerWorker: auto.threadsPerWorker,
      concurrency: auto.concurrency,
      throughput: auto.throughput,
      ratioToBest: ratio(auto.throughput),
      peak: { concurrency: peak.concurrency, throughput: peak.throughput, ratioToBest: ratio(peak.throughput) },
      chosenSetupInSweep: same ? { concurrency: same.concurrency, throughput: same.throughput, ratioToBest: ratio(same.throughput) } : null,
    },
  };
}

function postprocessSummary(task: string | null, stages: StageMedians): NonNullable<BenchSummary['postprocess']> {
  return {
    task,
    medianMs: stages.postprocess,
    inferenceMedianMs: stages.inference,
    ratioToInference: stages.inference > 0 ? round3(stages.postprocess / stages.inference) : 0,
  };
}

function eventLoopAtFullLoad(configurations: readonly BenchConfigurationJson[]): Record<string, number> {
  const highest = Math.max(...configurations.map((c) => c.concurrency));
  const out: Record<string, number> = {};
  for (const c of configurations) {
    if (c.concurrency !== highest) continue;
    out[c.strategy] = Math.max(out[c.strategy] ?? 0, c.eventLoopDelayP99Ms);
  }
  return out;
}
