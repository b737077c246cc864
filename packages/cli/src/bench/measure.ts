import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Result } from '@yolokit/core';
import { cpuSeconds, peakRssBytes, resetPeakRss } from './process-metrics.js';

/** Sampling interval of the event-loop delay histogram, ms; subtracted from what it reports. */
export const EVENT_LOOP_RESOLUTION_MS = 2;

/** How long one measurement runs: a number of requests, or a time. */
export interface MeasureLimit {
  readonly requests?: number;
  readonly durationMs?: number;
}

/** What the load generator recorded for one measurement. */
export interface LoadSample {
  readonly completed: number;
  /** From the first request's submission to the last one's result. */
  readonly wallMs: number;
  /** Per request, submission to result, ms. */
  readonly latencies: number[];
  /** Per request, the model's own preprocess + inference + postprocess (`Result.speed`), ms. */
  readonly compute: Array<{ preprocess: number; inference: number; postprocess: number }>;
}

/** What was measured around a run: the main thread's responsiveness, memory and CPU of every process. */
export interface SystemSample {
  /** 99th percentile of the main thread's event-loop delay, ms (the histogram's sampling interval removed). */
  readonly eventLoopDelayP99Ms: number;
  /** Peak resident memory, summed over this process and the children measured, bytes. */
  readonly peakRssBytes: number;
  /** CPU seconds used by this process (every thread) and the children measured. */
  readonly cpuSeconds: number;
  readonly wallMs: number;
}

/**
 * A closed-loop load generator: keeps `concurrency` requests in flight, cycling through `images`, until
 * `limit.requests` have been issued or `limit.durationMs` has passed (requests in flight then finish and
 * count). `onDone` is called after every completed request. The first failure stops it and rejects.
 */
export async function driveLoad(
  predict: (image: string) => Promise<Result>,
  images: readonly string[],
  concurrency: number,
  limit: MeasureLimit,
  onDone?: (completed: number) => void,
): Promise<LoadSample> {
  const latencies: number[] = [];
  const compute: LoadSample['compute'] = [];
  const started = performance.now();
  const deadline = limit.durationMs === undefined ? Number.POSITIVE_INFINITY : started + limit.durationMs;
  const total = limit.requests ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  let failure: { error: unknown } | undefined;
  let lastEnd = started;
  const lane = async (): Promise<void> => {
    while (!failure && issued < total && performance.now() < deadline) {
      const image = images[issued % images.length];
      issued += 1;
      const t0 = performance.now();
      try {
        const result = await predict(image);
        lastEnd = performance.now();
        latencies.push(lastEnd - t0);
        compute.push({ preprocess: result.speed.preprocess, inference: result.speed.inference, postprocess: result.speed.postprocess });
        onDone?.(latencies.length);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, lane));
  if (failure) throw failure.error;
  return { completed: latencies.length, wallMs: lastEnd - started, latencies, compute };
}

/**
 * Runs `run` while measuring the main thread's event-loop delay, the peak resident memory of this process and
 * of `pids` (reset first, so earlier runs do not count) and the CPU time they use.
 */
export async function withSystemMetrics<T>(pids: readonly number[], run: () => Promise<T>): Promise<{ value: T; system: SystemSample }> {
  resetPeakRss(pids);
  const cpuBefore = cpuSeconds(pids);
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  histogram.enable();
  const started = performance.now();
  let value: T;
  try {
    value = await run();
  } finally {
    histogram.disable();
  }
  const wallMs = performance.now() - started;
  const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
  return {
    value,
    system: {
      eventLoopDelayP99Ms: Math.max(0, p99 - EVENT_LOOP_RESOLUTION_MS),
      // Read before the predictor closes: its children's figures go with them.
      peakRssBytes: peakRssBytes(pids),
      cpuSeconds: cpuSeconds(pids) - cpuBefore,
      wallMs,
    },
  };
}

/** Nearest-rank percentile of ascending `sorted` (q in 0..1); 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The median; the mean of the two middle values for an even count; 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
