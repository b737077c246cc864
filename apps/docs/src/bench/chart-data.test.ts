import { describe, expect, it } from 'vitest';
import type { BenchConfiguration, BenchReport } from './bench-report.js';
import { bestPerStrategy, bestSeriesOf, bestThroughput, concurrencies, METRICS, seriesOf, setupLabel } from './chart-data.js';

/** Test inputs, not measurements. */
function configuration(strategy: string, concurrency: number, throughput: number, workers = 1): BenchConfiguration {
  return { strategy, concurrency, workers, threadsPerWorker: 1, throughput, latencyMs: { p50: 1, p90: 2, p95: 3, p99: throughput }, eventLoopDelayP99Ms: 1, peakRssBytes: 2 ** 21 };
}

const report: BenchReport = {
  version: 1,
  createdAt: undefined,
  model: undefined,
  modelSha256: undefined,
  machine: { cores: 2 },
  baselines: { bareRun: 1, singleThread: 1 },
  configurations: [configuration('threads', 16, 3, 2), configuration('locked', 1, 1), configuration('threads', 1, 2, 2), configuration('locked', 16, 4)],
};

describe('chart data', () => {
  it('labels a setup by strategy and workers × threads', () => {
    expect(setupLabel({ strategy: 'processes', workers: 2, threadsPerWorker: 1 })).toBe('processes 2×1');
  });

  it('lists the concurrencies measured, ascending', () => {
    expect(concurrencies(report)).toEqual([1, 16]);
  });

  it('makes one series per setup, in file order, points by concurrency', () => {
    expect(seriesOf(report, METRICS.throughput)).toEqual([
      { label: 'threads 2×1', points: [{ x: 1, y: 2 }, { x: 16, y: 3 }] },
      { label: 'locked 1×1', points: [{ x: 1, y: 1 }, { x: 16, y: 4 }] },
    ]);
    expect(seriesOf(report, METRICS.peakRssMiB)[0].points[0].y).toBe(2);
    expect(seriesOf(report, METRICS.p99)[1].points[1].y).toBe(4);
  });

  it('finds the configuration with the highest throughput', () => {
    expect(bestThroughput(report)).toMatchObject({ strategy: 'locked', concurrency: 16 });
  });

  it('finds the best setup of each strategy, in file order, and draws only those', () => {
    const sweep: BenchReport = {
      ...report,
      configurations: [...report.configurations, configuration('threads', 16, 5, 1), configuration('threads', 1, 1, 1), configuration('processes', 4, 2, 2)],
    };
    expect(bestPerStrategy(sweep).map((c) => [setupLabel(c), c.concurrency, c.throughput])).toEqual([
      ['threads 1×1', 16, 5],
      ['locked 1×1', 16, 4],
      ['processes 2×1', 4, 2],
    ]);
    expect(bestSeriesOf(sweep, METRICS.throughput).map((s) => s.label)).toEqual(['locked 1×1', 'threads 1×1', 'processes 2×1']);
    expect(seriesOf(sweep, METRICS.throughput)).toHaveLength(4);
  });
});
