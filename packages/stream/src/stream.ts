/**
 * `stream(predictor, source)` and `track(predictor, source)` in Node: an FFmpeg source (file, image sequence, URL,
 * camera) through any model or predictor, one result per frame in frame order.
 */
import type { ByteTracker, ByteTrackerOptions } from './byte-tracker.js';
import type { Detection } from '@yolokit/core';
import { type FramePolicy, type FramePredictor, type FrameResult, type InputFrame, type PredictFramesOptions, predictFrames } from './predict-frames.js';
import { openVideo, sourceKind, type VideoSourceOptions } from './video-source.js';

/** Options of {@link stream}. */
export interface StreamOptions extends Omit<PredictFramesOptions, 'source' | 'fps' | 'policy'> {
  /**
   * @defaultValue `'every'` for files and image sequences, `'latest'` for URLs and cameras (live sources), as
   * Ultralytics does without `stream_buffer`
   */
  readonly policy?: FramePolicy;
  /** FFmpeg options: its paths and the timeout of a silent source. */
  readonly video?: Omit<VideoSourceOptions, 'signal'>;
}

/**
 * Predicts every frame of a video source (or the latest, for live sources), in frame order, with backpressure.
 * Throws the source's typed errors (`FfmpegNotFoundError`, `VideoSourceError`, `VideoTimeoutError`) and the
 * predictor's; other streams on the same predictor go on.
 *
 * @example
 * ```ts
 * import { stream } from '@yolokit/stream';
 * for await (const frame of stream(predictor, 'clip.mp4', { predict: { conf: 0.3 } })) {
 *   console.log(JSON.stringify(frame));
 * }
 * ```
 */
export async function* stream(target: FramePredictor, source: string, options: StreamOptions = {}): AsyncGenerator<FrameResult> {
  const { video: videoOptions, policy, ...rest } = options;
  const video = await openVideo(source, { ...videoOptions, ...(options.signal ? { signal: options.signal } : {}) });
  const kind = sourceKind(source);
  // The decoder stops (FFmpeg killed) when the stream ends, even while it waits on a silent live source.
  const decoding = new AbortController();
  const frames: AsyncIterable<InputFrame> = video.frames({ signal: decoding.signal });
  try {
    yield* predictFrames(target, frames, {
      ...rest,
      policy: policy ?? (kind === 'url' || kind === 'camera' ? 'latest' : 'every'),
      source,
      fps: video.info.fps,
    });
  } finally {
    decoding.abort();
  }
}

/** Options of {@link track}: those of {@link stream}, with the tracker's. */
export interface TrackOptions extends Omit<StreamOptions, 'track'> {
  /**
   * ByteTrack's options, or a tracker to continue (with `persist`).
   * @defaultValue Ultralytics' `bytetrack.yaml`, at the source's frame rate
   */
  readonly tracker?: ByteTrackerOptions | ByteTracker<Detection>;
}

/**
 * {@link stream} with ByteTrack: each frame's result with `tracks` (the detections of confirmed tracks, each with
 * its `trackId`). Detection runs wherever the predictor runs it; the tracker, state of this stream only, is
 * updated here in frame order. Ultralytics' `model.track(source, persist)`: a tracker passed in is reset for the
 * new source unless `persist` is true.
 */
export function track(target: FramePredictor, source: string, options: TrackOptions = {}): AsyncGenerator<FrameResult> {
  const { tracker, ...rest } = options;
  return stream(target, source, { ...rest, track: tracker ?? true });
}
