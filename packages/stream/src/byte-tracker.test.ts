import { YoloError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { ByteTracker, type TrackableDetection } from './byte-tracker.js';

const square = (cx: number, cy: number, size = 40, confidence = 0.9, classId = 0): TrackableDetection => ({
  box: [cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2],
  confidence,
  classId,
});

/** Track ids by the detection objects they carry. */
function idsOf(tracked: ReturnType<ByteTracker['update']>, detections: readonly TrackableDetection[]): Array<number | undefined> {
  return detections.map((d) => tracked.find((t) => t.detection === d)?.trackId);
}

describe('ByteTracker', () => {
  it('gives ids 1 and 2 on the first frame and keeps them while two boxes cross (Kalman velocities carry them past)', () => {
    const tracker = new ByteTracker();
    const history: Array<Array<number | undefined>> = [];
    for (let frame = 0; frame < 21; frame++) {
      // A goes right, B goes left, 10 px a frame; they overlap fully in x at frame 10, 10 px apart in y.
      const a = square(10 * frame, 100);
      const b = square(200 - 10 * frame, 110);
      history.push(idsOf(tracker.update([a, b]), [a, b]));
    }
    expect(history.every(([a, b]) => a === 1 && b === 2)).toBe(true);
  });

  it('outputs the Kalman box: equal to the detection for a box that does not move', () => {
    const tracker = new ByteTracker();
    tracker.update([square(50, 50)]);
    const [tracked] = tracker.update([square(50, 50)]);
    for (const [i, v] of tracked.box.entries()) expect(v).toBeCloseTo([30, 30, 70, 70][i], 9);
  });

  it('finds a lost box again within the buffer (30 frames missing) and gives a new id after it (31 missing)', () => {
    const run = (missing: number) => {
      const tracker = new ByteTracker();
      for (let f = 0; f < 5; f++) tracker.update([square(100, 100)]);
      for (let f = 0; f < missing; f++) expect(tracker.update([])).toEqual([]);
      const back = square(100, 100);
      const first = idsOf(tracker.update([back]), [back])[0];
      const again = square(100, 100);
      const second = idsOf(tracker.update([again]), [again])[0];
      return [first, second];
    };
    expect(run(30)).toEqual([1, 1]);
    // Removed at frame 36 (36 − 5 > 30): the box starts a new track, unconfirmed on its first frame, id 2 on the next.
    expect(run(31)).toEqual([undefined, 2]);
  });

  it('follows a moving box through 8 missing frames to where its velocity takes it', () => {
    const tracker = new ByteTracker();
    for (let f = 0; f < 15; f++) tracker.update([square(5 * f, 100)]);
    for (let f = 15; f < 23; f++) tracker.update([]);
    const back = square(5 * 23, 100);
    expect(idsOf(tracker.update([back]), [back])).toEqual([1]);
  });

  it('keeps a track through low-score detections (second association) but never starts one from them', () => {
    const tracker = new ByteTracker();
    tracker.update([square(100, 100)]);
    const weak = square(100, 100, 40, 0.15);
    const lone = square(300, 300, 40, 0.15);
    const tracked = tracker.update([weak, lone]);
    expect(idsOf(tracked, [weak, lone])).toEqual([1, undefined]);
    const next = square(300, 300, 40, 0.15);
    expect(tracker.update([next])).toEqual([]);
    // At 0.1 or below (trackLowThresh) a detection is ignored altogether: the track is lost.
    const tracker2 = new ByteTracker();
    tracker2.update([square(100, 100)]);
    expect(tracker2.update([square(100, 100, 40, 0.1)])).toEqual([]);
  });

  it('matches oriented boxes by probiou and returns the tracked rotated box with the detection angle', () => {
    const tracker = new ByteTracker();
    const obbAt = (cx: number, angle: number): TrackableDetection => {
      const obb = { cx, cy: 100, w: 60, h: 20, angle };
      return { box: [cx - 40, 60, cx + 40, 140], confidence: 0.8, classId: 1, obb };
    };
    let ids: Array<number | undefined> = [];
    for (let f = 0; f < 6; f++) {
      const a = obbAt(100 + 4 * f, 0.3);
      const b = obbAt(260 - 4 * f, 1.2);
      const tracked = tracker.update([b, a]);
      ids = idsOf(tracked, [a, b]);
      expect(ids).toEqual([2, 1]);
      const ta = tracked.find((t) => t.detection === a);
      expect(ta?.obb?.angle).toBe(0.3);
    }
    expect(ids).toEqual([2, 1]);
  });

  it('carries whatever the detection holds (a mask, keypoints) by reference, with its index in the frame', () => {
    const tracker = new ByteTracker<TrackableDetection & { mask: string }>();
    const detection = { ...square(50, 50), mask: 'the mask' };
    const [tracked] = tracker.update([square(500, 500, 40, 0.05) as TrackableDetection & { mask: string }, detection]);
    expect(tracked.detection).toBe(detection);
    expect(tracked.index).toBe(1);
  });

  it('reset forgets every track and restarts ids at 1; the frame count follows', () => {
    const tracker = new ByteTracker();
    tracker.update([square(50, 50), square(200, 200)]);
    expect(tracker.frame).toBe(1);
    tracker.reset();
    expect(tracker.frame).toBe(0);
    const d = square(400, 400);
    expect(idsOf(tracker.update([d]), [d])).toEqual([1]);
  });

  it('keeps a lost track floor(frameRate / 30 × trackBuffer) frames', () => {
    expect(new ByteTracker({ frameRate: 15 }).maxTimeLost).toBe(15);
    expect(new ByteTracker({ frameRate: 60, trackBuffer: 10 }).maxTimeLost).toBe(20);
  });

  it('refuses bad options with INVALID_OPTION naming the option', () => {
    const codeOf = (options: object) => {
      try {
        new ByteTracker(options);
      } catch (error) {
        return YoloError.isInstance(error) ? `${error.code} ${error.message}` : String(error);
      }
      return 'no error';
    };
    expect(codeOf({ trackBuffer: -1 })).toBe('INVALID_OPTION tracker.trackBuffer must be a non-negative integer (frames), got -1');
    expect(codeOf({ matchThresh: 1.5 })).toBe('INVALID_OPTION tracker.matchThresh must be a number from 0 to 1, got 1.5');
    expect(codeOf({ frameRate: 0 })).toBe('INVALID_OPTION tracker.frameRate must be a positive number (frames per second), got 0');
    expect(codeOf({ buffer: 3 })).toMatch(/^INVALID_OPTION tracker\.buffer is not a ByteTrack option; known options: trackHighThresh/);
  });
});
