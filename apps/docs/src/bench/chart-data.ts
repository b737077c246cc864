/**
 * Turns a bench report into what the charts draw: one series per strategy setup (strategy, workers ×
 * threads per worker), one point per concurrency. Every number comes from the report.
 */
import type { BenchConfiguration, BenchReport } from './bench-report.js';

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

export interface ChartSeries {
  /** `threads 2×1`: strategy, workers × intra-op threads per worker. */
  readonly label: string;
  readonly points: readonly ChartPoint[];
}

/** A metric of a configuration, as charted. */
export type Metric = (configuration: BenchConfiguration) => number;

export const METRICS = {
  throughput: (c) => c.throughput,
  p50: (c) => c.latencyMs.p50,
  p90: (c) => c.latencyMs.p90,
  p95: (c) => c.latencyMs.p95,
  p99: (c) => c.latencyMs.p99,
  eventLoopDelayP99: (c) => c.eventLoopDelayP99Ms,
  peakRssMiB: (c) => c.peakRssBytes / 2 ** 20,
} as const satisfies Record<string, Metric>;

/** The label of a configuration's setup (everything but its concurrency). */
export function setupLabel(configuration: Pick<BenchConfiguration, 'strategy' | 'workers' | 'threadsPerWorker'>): string {
  return `${configuration.strategy} ${configuration.workers}×${configuration.threadsPerWorker}`;
}

/** The concurrencies measured, ascending. */
export function concurrencies(report: BenchReport): number[] {
  return [...new Set(report.configurations.map((c) => c.concurrency))].sort((a, b) => a - b);
}

/**
 * One series per setup, points by ascending concurrency, setups in the order they first appear in the file.
 * A setup measured twice at one concurrency keeps the later measurement (as the file lists them).
 */
export function seriesOf(report: BenchReport, metric: Metric): ChartSeries[] {
  const bySetup = new Map<string, Map<number, number>>();
  for (const configuration of report.configurations) {
    const label = setupLabel(configuration);
    let points = bySetup.get(label);
    if (!points) {
      points = new Map();
      bySetup.set(label, points);
    }
    points.set(configuration.concurrency, metric(configuration));
  }
  return [...bySetup].map(([label, points]) => ({
    label,
    points: [...points].sort(([a], [b]) => a - b).map(([x, y]) => ({ x, y })),
  }));
}

/** The configuration with the highest throughput (the first one listed among equals). */
export function bestThroughput(report: BenchReport): BenchConfiguration {
  return report.configurations.reduce((best, c) => (c.throughput > best.throughput ? c : best));
}

/**
 * The best setup of each strategy: its configuration with the highest throughput (the first listed among
 * equals), strategies in the order they first appear in the file. What the page leads with.
 */
export function bestPerStrategy(report: BenchReport): BenchConfiguration[] {
  const best = new Map<string, BenchConfiguration>();
  for (const configuration of report.configurations) {
    const current = best.get(configuration.strategy);
    if (!current || configuration.throughput > current.throughput) best.set(configuration.strategy, configuration);
  }
  return [...best.values()];
}

/**
 * {@link seriesOf} for the best setup of each strategy only ({@link bestPerStrategy}): one line per strategy,
 * which a reader can follow, instead of one per workers × threads split.
 */
export function bestSeriesOf(report: BenchReport, metric: Metric): ChartSeries[] {
  const labels = new Set(bestPerStrategy(report).map(setupLabel));
  return seriesOf(report, metric).filter((series) => labels.has(series.label));
}
