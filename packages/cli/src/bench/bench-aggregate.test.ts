import { describe, expect, it } from 'vitest';
import { type BenchInput, buildBenchJson, type RoundRecord } from './bench-aggregate.js';
import { renderMarkdown, renderText } from './bench-render.js';
import type { SystemSample } from './measure.js';

const system = (overrides: Partial<SystemSample> = {}): SystemSample => ({ eventLoopDelayP99Ms: 2, peakRssBytes: 300e6, cpuSeconds: 2, wallMs: 1000, ...overrides });

/** A round that completed `imagesPerSecond` images in one second, every latency `latency` ms. */
function record(round: number, imagesPerSecond: number, latency = 100, overrides: Partial<SystemSample> = {}): RoundRecord {
  return {
    round,
    completed: imagesPerSecond,
    wallMs: 1000,
    latencies: Array.from({ length: imagesPerSecond }, (_, i) => latency + i),
    compute: Array.from({ length: imagesPerSecond }, () => ({ preprocess: 5, inference: 50, postprocess: 1 })),
    system: system(overrides),
  };
}

/** Inputs: the numbers are test data, not measurements. */
function input(): BenchInput {
  const rounds = (values: number[], latency?: number, overrides?: Partial<SystemSample>) => values.map((v, r) => record(r, v, latency, overrides));
  return {
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'yolokit bench',
    model: { path: 'm.onnx', backend: 'onnx', runtime: 'test runtime', inputSize: [640, 640] },
    images: { count: 3, sources: ['images/'] },
    settings: { strategies: ['locked', 'threads', 'auto'], concurrency: [1, 4], sweep: false, rounds: 3, requests: 10, durationMs: null, warmup: null, eventLoopResolutionMs: 2 },
    machine: {
      cpu: { model: 'Test CPU', cores: 2, availableParallelism: 2, speedMHz: 1 },
      memoryBytes: 1,
      os: { platform: 'linux', release: '1', version: '1', arch: 'x64' },
      node: 'v20',
      v8: '1',
      runtimes: { model: 'test runtime' },
    },
    environment: { loadAverage: { start: 0, end: 0 }, wallSeconds: 1 },
    cores: 2,
    singleThread: { strategy: 'single', concurrency: 1, workers: 1, threadsPerWorker: 1, records: rounds([10, 12, 11]) },
    bareRuns: [
      { workers: 1, threadsPerWorker: 1, records: rounds([20, 20, 20]) },
      { workers: 2, threadsPerWorker: 1, records: rounds([40, 36, 38]) },
      { workers: 1, threadsPerWorker: 2, records: rounds([30, 30, 30]) },
    ],
    configurations: [
      { strategy: 'locked', concurrency: 4, workers: 1, threadsPerWorker: 2, records: rounds([15, 17, 16], 200, { eventLoopDelayP99Ms: 60 }) },
      { strategy: 'threads', concurrency: 1, workers: 2, threadsPerWorker: 1, records: rounds([12, 12, 12]) },
      { strategy: 'threads', concurrency: 4, workers: 2, threadsPerWorker: 1, records: rounds([30, 34, 32], 120, { eventLoopDelayP99Ms: 3 }) },
      {
        strategy: 'auto',
        concurrency: 4,
        workers: 2,
        threadsPerWorker: 1,
        records: rounds([31, 31, 31]),
        auto: { strategy: 'processes', choices: [{ strategy: 'processes', workers: 2, threadsPerWorker: 1 }], sweepMs: [4000] },
      },
    ],
  };
}

describe('buildBenchJson', () => {
  const json = buildBenchJson(input());

  it('ranks configurations by median throughput, best first', () => {
    expect(json.configurations.map((c) => [c.rank, c.strategy, c.concurrency, c.throughput])).toEqual([
      [1, 'threads', 4, 32],
      [2, 'auto', 4, 31],
      [3, 'locked', 4, 16],
      [4, 'threads', 1, 12],
    ]);
  });

  it('reports medians over rounds, the spread and the rounds themselves', () => {
    const best = json.configurations[0];
    expect(best.throughputRounds).toEqual([30, 34, 32]);
    expect(best.spread).toEqual({ min: 30, max: 34, relative: 0.125 });
    expect(best.latencyMs.p50).toBeLessThanOrEqual(best.latencyMs.p90);
    expect(best.latencyMs.p95).toBeLessThanOrEqual(best.latencyMs.p99);
    expect(best.computeMs).toEqual({ preprocess: 5, inference: 50, postprocess: 1, total: 56 });
    expect(best.waitMs.p50).toBeGreaterThan(60);
    expect(best.cpu).toEqual({ busyCores: 2, utilization: 1, msPerImage: 62.5 });
    expect(best.eventLoopDelayP99Ms).toBe(3);
  });

  it('divides by the bare run at the same parallelism and by the single-threaded instance', () => {
    const [threads, , locked] = json.configurations;
    expect(threads.ratios).toEqual({ bareRun: 0.842, singleThread: 2.909, best: 1 });
    expect(locked.ratios.bareRun).toBe(0.533);
    expect(json.baselines.bareRun).toMatchObject({ workers: 2, threadsPerWorker: 1, throughput: 38 });
    expect(json.baselines.singleThread.throughput).toBe(11);
    expect(json.baselines.bareRunByParallelism).toHaveLength(3);
  });

  it('summarises the targets: overhead and scaling round by round, auto against the best, the event loop at full load', () => {
    expect(json.summary.best).toEqual({ strategy: 'threads', workers: 2, threadsPerWorker: 1, concurrency: 4, throughput: 32 });
    expect(json.summary.sdkOverhead).toEqual({ ratio: 0.842, rounds: [0.75, 0.944, 0.842] });
    expect(json.summary.scaling).toEqual({ ratio: 2.909, rounds: [3, 2.833, 2.909] });
    expect(json.summary.auto).toEqual({
      strategy: 'processes',
      workers: 2,
      threadsPerWorker: 1,
      concurrency: 4,
      throughput: 31,
      ratioToBest: 0.969,
      peak: { concurrency: 4, throughput: 31, ratioToBest: 0.969 },
      // The sweep measured no "processes 2×1" in this input.
      chosenSetupInSweep: null,
    });
    expect(json.summary.eventLoopDelayP99MsAtFullLoad).toEqual({ threads: 3, auto: 2, locked: 60 });
  });

  it("judges auto at the best's concurrency, peak against peak, and by the sweep's own measurement of its choice", () => {
    const base = input();
    const auto = (concurrency: number, values: number[]) => ({
      strategy: 'auto',
      concurrency,
      workers: 2,
      threadsPerWorker: 1,
      records: values.map((v, r) => record(r, v)),
      auto: { strategy: 'processes', choices: [{ strategy: 'processes', workers: 2, threadsPerWorker: 1 }], sweepMs: [4000] },
    });
    const summary = buildBenchJson({
      ...base,
      configurations: [
        { strategy: 'processes', concurrency: 4, workers: 2, threadsPerWorker: 1, records: [34, 34, 34].map((v, r) => record(r, v)) },
        { strategy: 'threads', concurrency: 4, workers: 2, threadsPerWorker: 1, records: [30, 30, 30].map((v, r) => record(r, v)) },
        auto(4, [32, 32, 32]),
        auto(16, [33, 34, 33]),
      ],
    }).summary;
    expect(summary.best).toMatchObject({ strategy: 'processes', concurrency: 4, throughput: 34 });
    expect(summary.auto).toEqual({
      strategy: 'processes',
      workers: 2,
      threadsPerWorker: 1,
      concurrency: 4,
      throughput: 32,
      ratioToBest: 0.941,
      peak: { concurrency: 16, throughput: 33, ratioToBest: 0.971 },
      chosenSetupInSweep: { concurrency: 4, throughput: 34, ratioToBest: 1 },
    });
  });

  it("gives each configuration's stages as medians beside the means, and the task's postprocess against inference", () => {
    const base = input();
    // A segmentation model: most images 4 ms of masks, one crowded scene 40 ms, per round.
    const stages = (round: number, postprocess: number[]): RoundRecord => ({
      ...record(round, postprocess.length),
      compute: postprocess.map((ms, i) => ({ preprocess: 5, inference: 50 + i, postprocess: ms })),
    });
    const single = [stages(0, [4, 4, 40]), stages(1, [3, 5, 40]), stages(2, [4, 6, 40])];
    const json = buildBenchJson({ ...base, model: { ...base.model, task: 'segment' }, singleThread: { ...base.singleThread, records: single } });
    expect(json.model.task).toBe('segment');
    // Medians per round 4, 5 and 6 ms; the means (16 ms) carry the crowded scene.
    expect(json.baselines.singleThread.stageMedianMs).toEqual({ preprocess: 5, inference: 51, postprocess: 5 });
    expect(json.baselines.singleThread.computeMs.postprocess).toBe(16);
    expect(json.configurations[0].stageMedianMs).toEqual({ preprocess: 5, inference: 50, postprocess: 1 });
    expect(json.summary.postprocess).toEqual({ task: 'segment', medianMs: 5, inferenceMedianMs: 51, ratioToInference: 0.098 });
    const line = 'segment postprocess: 5.00 ms per image (median) = 9.8% of inference (51.0 ms), one single-threaded instance';
    expect(renderText(json)).toContain(line);
    expect(renderMarkdown(json)).toContain(`- ${line}`);
    expect(renderMarkdown(json)).toContain('(segment, test runtime, input 640x640)');
  });

  it('declares its schema and version', () => {
    expect(json.schema).toBe('yolokit.bench');
    expect(json.version).toBe(1);
  });
});
