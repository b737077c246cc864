import { Detection, type RawImage, Result } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { ByteTracker } from './byte-tracker.js';
import { type FramePredictor, type FrameResult, type InputFrame, predictFrames } from './predict-frames.js';

const frame = (index: number): InputFrame => ({ index, width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(index) });

/** A predictor whose answers the test releases: one box at x = 10 × the frame's first byte. */
class ManualPredictor implements FramePredictor {
  readonly pending: Array<{ index: number; signal: AbortSignal | undefined; release: () => void; fail: (error: unknown) => void }> = [];
  predict(image: RawImage, options?: { signal?: AbortSignal }): Promise<Result> {
    const index = image.data[0];
    return new Promise((resolve, reject) => {
      // As every predictor does: a cancelled task rejects.
      options?.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      const entry = {
        index,
        signal: options?.signal,
        release: () => resolve(resultAt(index)),
        fail: reject,
      };
      this.pending.push(entry);
    });
  }
}

const resultAt = (index: number) =>
  new Result({ width: 400, height: 100, detections: [new Detection([10 * index, 10, 10 * index + 40, 50], 0.9, 0, 'circle', 400, 100)], speed: { preprocess: 1, inference: 2, postprocess: 3 } });

const instant: FramePredictor = { predict: async (image) => resultAt(image.data[0]) };

async function collect(frames: AsyncIterable<FrameResult>): Promise<FrameResult[]> {
  const out: FrameResult[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('predictFrames', () => {
  it("'every': results in frame order whatever order the pool answers in, never more than `concurrency` in flight", async () => {
    const predictor = new ManualPredictor();
    const done = collect(predictFrames(predictor, [0, 1, 2, 3, 4, 5].map(frame), { concurrency: 3 }));
    // Answer newest first as frames arrive: 2, 1, 0, then 5, 4, 3.
    for (const batch of [[2, 1, 0], [5, 4, 3]]) {
      while (predictor.pending.length < 3) await tick();
      expect(predictor.pending.map((p) => p.index).sort()).toEqual([...batch].sort());
      for (const index of batch) predictor.pending.find((p) => p.index === index)?.release();
      predictor.pending.length = 0;
      await tick();
    }
    const results = await done;
    expect(results.map((r) => r.frame)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.result.detections[0].box[0])).toEqual([0, 10, 20, 30, 40, 50]);
    expect(results.every((r) => r.dropped === 0)).toBe(true);
  });

  it("'latest': a source faster than the predictor drops frames, counts them, and keeps order", async () => {
    const predictor = new ManualPredictor();
    let produced = 0;
    async function* fast() {
      for (let i = 0; i < 20; i++) {
        produced = i + 1;
        yield frame(i);
        await tick();
      }
    }
    let finished = false;
    const done = collect(predictFrames(predictor, fast(), { policy: 'latest', concurrency: 1 })).finally(() => {
      finished = true;
    });
    while (!finished) {
      await tick();
      // Answer slowly: one answer for every few frames the source produces.
      if (predictor.pending.length > 0 && (produced % 5 === 0 || produced === 20)) predictor.pending.shift()?.release();
    }
    const results = await done;
    const frames = results.map((r) => r.frame);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    expect(frames.at(-1)).toBe(19);
    expect(results.length).toBeLessThan(20);
    // Every frame is either predicted or counted as dropped, exactly once.
    expect(results.length + (results.at(-1)?.dropped ?? 0)).toBe(20);
  });

  it("'latest': gaps in a live source's indexes count as dropped frames (issue 18: browser cameras)", async () => {
    // Frames 0, 1, 4, 5, 9: the source skipped 2, 3 and 6 to 8 before they reached the stream.
    const results = await collect(predictFrames(instant, [0, 1, 4, 5, 9].map(frame), { policy: 'latest', concurrency: 1 }));
    const last = results.at(-1);
    expect(last?.frame).toBe(9);
    expect(results.map((r) => r.frame)).toEqual([...results.map((r) => r.frame)].sort((a, b) => a - b));
    // Every one of the 10 frames the source numbered is predicted or counted dropped, exactly once.
    expect(results.length + (last?.dropped ?? 0)).toBe(10);
  });

  it('a failed prediction ends the stream with its error after the frames before it; the rest are cancelled', async () => {
    const predictor = new ManualPredictor();
    const seen: number[] = [];
    const done = (async () => {
      for await (const r of predictFrames(predictor, [0, 1, 2, 3].map(frame), { concurrency: 2 })) seen.push(r.frame);
    })();
    while (predictor.pending.length < 2) await tick();
    predictor.pending[0].release();
    await tick();
    while (predictor.pending.length < 3) await tick();
    const failure = Object.assign(new Error('worker gone'), { code: 'WORKER_DIED' });
    predictor.pending[1].fail(failure);
    await expect(done).rejects.toBe(failure);
    expect(seen).toEqual([0]);
    expect(predictor.pending[2].signal?.aborted).toBe(true);
  });

  it('tracks in frame order: a box moving 10 px a frame keeps id 1; JSON lines carry trackId', async () => {
    const results = await collect(predictFrames(instant, [0, 1, 2, 3].map(frame), { track: true, source: 'cam', fps: 10 }));
    expect(results.map((r) => r.tracks?.map((t) => t.trackId))).toEqual([[1], [1], [1], [1]]);
    expect(JSON.parse(JSON.stringify(results[2]))).toEqual({
      source: 'cam',
      frame: 2,
      time: 0.2,
      width: 400,
      height: 100,
      detections: [{ box: [20, 10, 60, 50], confidence: 0.9, classId: 0, className: 'circle', trackId: 1 }],
      speed: { preprocess: 1, inference: 2, postprocess: 3 },
    });
  });

  it('persist: a tracker given is reset for a new source unless persist is true (Ultralytics)', async () => {
    const tracker = new ByteTracker<Detection>();
    await collect(predictFrames(instant, [0, 1].map(frame), { track: tracker }));
    // Far away from frame 1's box: a new track in the continued tracker gets id 2; after a reset, id 1.
    const later = [30, 31].map(frame);
    const persisted = await collect(predictFrames(instant, later, { track: tracker, persist: true }));
    expect(persisted.at(-1)?.tracks?.map((t) => t.trackId)).toEqual([2]);
    const reset = await collect(predictFrames(instant, [30, 31].map(frame), { track: tracker }));
    expect(reset.map((r) => r.tracks?.map((t) => t.trackId))).toEqual([[1], [1]]);
  });

  it('refuses bad options by name', async () => {
    await expect(collect(predictFrames(instant, [], { policy: 'all' as 'every' }))).rejects.toThrow(`options.policy must be one of 'every', 'latest', got "all"`);
    await expect(collect(predictFrames(instant, [], { concurrency: 0 }))).rejects.toThrow('options.concurrency must be a positive integer, got 0');
  });
});
