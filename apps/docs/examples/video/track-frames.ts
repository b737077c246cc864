// The tracker alone (no Node API: @yolokit/stream/track also bundles for browsers), fed results in frame order.
import type { Detection, Result } from '@yolokit/core';
import { ByteTracker } from '@yolokit/stream/track';

export function followObjects(resultsInFrameOrder: readonly Result[]): Map<number, number> {
  const tracker = new ByteTracker<Detection>({ frameRate: 30, trackBuffer: 30 });
  const framesSeen = new Map<number, number>(); // trackId → frames
  for (const result of resultsInFrameOrder) {
    for (const { trackId } of tracker.update(result.detections)) framesSeen.set(trackId, (framesSeen.get(trackId) ?? 0) + 1);
  }
  return framesSeen;
}
