import { InvalidOptionError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { planSetups, setupLabel, sweepSplits } from './bench-plan.js';

const labels = (setups: ReturnType<typeof planSetups>): string[] => setups.map(setupLabel);

describe('planSetups', () => {
  it("without --sweep: @yolokit/concurrency's defaults, one setup per strategy", () => {
    expect(labels(planSetups({ strategies: ['locked', 'threads', 'processes', 'auto'], workers: undefined, threadsPerWorker: undefined, sweep: false }, 2))).toEqual([
      'locked 1×2',
      'threads 2×1',
      'processes 2×1',
      'auto',
    ]);
    expect(labels(planSetups({ strategies: ['locked', 'threads'], workers: [1], threadsPerWorker: undefined, sweep: false }, 4))).toEqual(['locked 1×4', 'threads 1×4']);
    expect(labels(planSetups({ strategies: ['locked', 'processes'], workers: undefined, threadsPerWorker: 2, sweep: false }, 4))).toEqual(['locked 1×2', 'processes 2×2']);
  });

  it('queue: yolokit worker processes, planned as processes are; a --workers list is one setup per count', () => {
    expect(labels(planSetups({ strategies: ['queue', 'processes'], workers: undefined, threadsPerWorker: undefined, sweep: false }, 2))).toEqual(['queue 2×1', 'processes 2×1']);
    // More worker processes than cores is allowed without --sweep: what a queue on a shared machine may run.
    expect(labels(planSetups({ strategies: ['queue', 'locked'], workers: [1, 2, 3], threadsPerWorker: 1, sweep: false }, 2))).toEqual(['queue 1×1', 'queue 2×1', 'queue 3×1', 'locked 1×1']);
    expect(labels(planSetups({ strategies: ['queue'], workers: [1, 3], threadsPerWorker: undefined, sweep: false }, 2))).toEqual(['queue 1×2', 'queue 3×1']);
    expect(labels(planSetups({ strategies: ['queue'], workers: undefined, threadsPerWorker: undefined, sweep: true }, 2))).toEqual(['queue 2×1', 'queue 1×2', 'queue 1×1']);
  });

  it('with --sweep: every split that fits the cores', () => {
    expect(labels(planSetups({ strategies: ['locked', 'threads', 'auto'], workers: undefined, threadsPerWorker: undefined, sweep: true }, 2))).toEqual([
      'locked 1×1',
      'locked 1×2',
      'threads 2×1',
      'threads 1×2',
      'threads 1×1',
      'auto',
    ]);
    const four = planSetups({ strategies: ['threads'], workers: undefined, threadsPerWorker: undefined, sweep: true }, 4);
    expect(four.every((s) => s.workers * s.threadsPerWorker <= 4)).toBe(true);
    expect(four).toHaveLength(sweepSplits(4).length);
  });

  it('--workers and --threads-per-worker narrow the sweep', () => {
    expect(labels(planSetups({ strategies: ['processes'], workers: [2], threadsPerWorker: undefined, sweep: true }, 4))).toEqual(['processes 2×2', 'processes 2×1']);
    expect(labels(planSetups({ strategies: ['queue'], workers: [1, 4], threadsPerWorker: 1, sweep: true }, 4))).toEqual(['queue 4×1', 'queue 1×1']);
    expect(() => planSetups({ strategies: ['threads'], workers: [3], threadsPerWorker: 2, sweep: true }, 4)).toThrow(InvalidOptionError);
    expect(() => planSetups({ strategies: ['threads'], workers: [3, 4], threadsPerWorker: 2, sweep: true }, 4)).toThrow(
      "--sweep measures setups that fit this machine's 4 cores; --workers 3,4 × --threads-per-worker 2 leaves none",
    );
  });
});

describe('sweepSplits', () => {
  it('lists each workers × threads with a product of at most the cores, most workers first', () => {
    expect(sweepSplits(2)).toEqual([
      { workers: 2, threadsPerWorker: 1 },
      { workers: 1, threadsPerWorker: 2 },
      { workers: 1, threadsPerWorker: 1 },
    ]);
    expect(sweepSplits(1)).toEqual([{ workers: 1, threadsPerWorker: 1 }]);
    expect(sweepSplits(8).map((p) => p.workers * p.threadsPerWorker).every((n) => n <= 8)).toBe(true);
  });
});
