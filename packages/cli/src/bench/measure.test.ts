import { Result } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { driveLoad, median, percentile, withSystemMetrics } from './measure.js';

const speed = { preprocess: 1, inference: 2, postprocess: 0.5 };

/** A fake predict that records how many calls overlap. */
function fakePredict(delayMs = 2) {
  const seen: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const predict = async (image: string): Promise<Result> => {
    seen.push(image);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    inFlight -= 1;
    return new Result({ width: 10, height: 10, detections: [], speed });
  };
  return { predict, seen, max: () => maxInFlight };
}

describe('driveLoad', () => {
  it('completes exactly the requests asked, keeping `concurrency` in flight and cycling through the images', async () => {
    const fake = fakePredict();
    const progress: number[] = [];
    const sample = await driveLoad(fake.predict, ['a', 'b', 'c'], 4, { requests: 10 }, (n) => progress.push(n));
    expect(sample.completed).toBe(10);
    expect(sample.latencies).toHaveLength(10);
    expect(sample.compute).toEqual(Array.from({ length: 10 }, () => speed));
    expect(fake.max()).toBe(4);
    expect(fake.seen).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sample.wallMs).toBeGreaterThan(0);
  });

  it('never has more in flight than requests', async () => {
    const fake = fakePredict();
    await driveLoad(fake.predict, ['a'], 16, { requests: 3 });
    expect(fake.max()).toBe(3);
  });

  it('stops issuing at the deadline of a timed measurement and counts what was in flight', async () => {
    const fake = fakePredict(5);
    const sample = await driveLoad(fake.predict, ['a'], 2, { durationMs: 60 });
    expect(sample.completed).toBe(fake.seen.length);
    expect(sample.completed).toBeGreaterThanOrEqual(2);
  });

  it('rejects with the first failure', async () => {
    let calls = 0;
    const failing = async (): Promise<Result> => {
      calls += 1;
      if (calls === 3) throw new Error('image 3 is broken');
      return new Result({ width: 1, height: 1, detections: [], speed });
    };
    await expect(driveLoad(failing, ['a'], 2, { requests: 10 })).rejects.toThrow('image 3 is broken');
  });
});

describe('withSystemMetrics', () => {
  it('reports the event-loop delay of a blocked loop, this process memory and its CPU time', async () => {
    const { value, system } = await withSystemMetrics([], async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const until = performance.now() + 60;
      while (performance.now() < until) {
        // Block the event loop: the histogram must see it.
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 42;
    });
    expect(value).toBe(42);
    expect(system.eventLoopDelayP99Ms).toBeGreaterThan(30);
    expect(system.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(system.cpuSeconds).toBeGreaterThan(0);
    expect(system.wallMs).toBeGreaterThan(90);
  });
});

describe('statistics', () => {
  it('nearest-rank percentiles and medians', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
