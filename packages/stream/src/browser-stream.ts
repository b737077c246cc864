/**
 * `stream(predictor, source)` and `track(predictor, source)` in the browser: a `<video>` element, a `MediaStream`
 * (a webcam) or an iterable of `VideoFrame`s through any model or predictor, one result per frame in frame order:
 * the Node entry's `stream`/`track` over the browser's frame sources (`browser-frames.ts`), same results.
 */
import type { Detection } from '@yolokit/core';
import { InvalidOptionError } from '@yolokit/core';
import { optionsObject } from '@yolokit/core/internal';
import { type MediaStreamFramesOptions, mediaStreamFrames, type VideoFramesOptions, videoElementFrames, videoFrames } from './browser-frames.js';
import type { ByteTracker, ByteTrackerOptions } from './byte-tracker.js';
import { type FramePolicy, type FramePredictor, type FrameResult, type InputFrame, type PredictFramesOptions, predictFrames } from './predict-frames.js';

/** What the browser's {@link stream} reads: a `<video>`, a `MediaStream`, or `VideoFrame`s. */
export type BrowserVideoSource = HTMLVideoElement | MediaStream | AsyncIterable<VideoFrame> | Iterable<VideoFrame>;

/** How a source's frames are read: {@link mediaStreamFrames}' and {@link videoFrames}' options, for the source given. */
export type CaptureOptions = Omit<MediaStreamFramesOptions, 'signal'> & Omit<VideoFramesOptions, 'signal'>;

/** Options of the browser's {@link stream}. */
export interface BrowserStreamOptions extends Omit<PredictFramesOptions, 'policy' | 'source'> {
  /**
   * @defaultValue `'latest'` for a `<video>` and a `MediaStream` (they play on whether or not frames are taken),
   * `'every'` for `VideoFrame`s (read only as fast as results are taken)
   */
  readonly policy?: FramePolicy;
  /** @defaultValue `'camera'` for a `MediaStream`, the video's `currentSrc` (or `'video'`), `'frames'` for `VideoFrame`s */
  readonly source?: string;
  /**
   * How frames are read: `buffer` and `method` (`'auto' | 'processor' | 'video'`) and `stopTracks` (default true:
   * the camera is released when the stream ends) for a `MediaStream`, `buffer` for a `<video>`, `close` for
   * `VideoFrame`s (default true: each closed once read).
   */
  readonly capture?: CaptureOptions;
}

function isVideoElement(source: unknown): source is HTMLVideoElement {
  return typeof HTMLVideoElement === 'function' && source instanceof HTMLVideoElement;
}

function isMediaStream(source: unknown): source is MediaStream {
  return typeof MediaStream === 'function' && source instanceof MediaStream;
}

/** The capture options that apply to `kind`, each unknown one refused with its full name. */
function captureFor(kind: 'video' | 'camera' | 'frames', capture: CaptureOptions = {}): CaptureOptions {
  const known = { video: ['buffer'], camera: ['buffer', 'method', 'stopTracks'], frames: ['close'] }[kind];
  for (const key of Object.keys(capture)) {
    if (!known.includes(key)) {
      const what = { video: 'a <video> element', camera: 'a MediaStream', frames: 'VideoFrames' }[kind];
      throw new InvalidOptionError(`options.capture.${key}`, `options.capture.${key} does not apply to ${what}; its capture options: ${known.join(', ')}`);
    }
  }
  return capture;
}

/**
 * Predicts the frames of a `<video>`, a `MediaStream` (a webcam) or `VideoFrame`s in the browser, in frame order:
 * live sources under the `latest` policy by default (the newest frame predicted, the others counted in
 * `dropped`). Leaving the loop (or `signal`) stops reading: the video's callbacks are cancelled, and a
 * `MediaStream`'s tracks are stopped unless `capture.stopTracks` is false.
 *
 * @example
 * ```ts
 * import { stream } from '@yolokit/stream/browser';
 * import type { FramePredictor } from '@yolokit/stream/browser';
 * declare const model: FramePredictor;
 * const camera = await navigator.mediaDevices.getUserMedia({ video: true });
 * for await (const frame of stream(model, camera)) {
 *   console.log(frame.frame, frame.dropped, frame.result.detections.length);
 * }
 * ```
 */
export async function* stream(target: FramePredictor, source: BrowserVideoSource, options: BrowserStreamOptions = {}): AsyncGenerator<FrameResult> {
  optionsObject(options, 'options', { call: 'stream(target, source, options)' });
  const { capture, policy, source: name, fps, ...rest } = options;
  const reading = new AbortController();
  const signal = reading.signal;
  // The caller's signal stops the source at once too: a camera's pending read would otherwise hold the stream's
  // end until its next frame.
  const stopReading = () => reading.abort();
  options.signal?.addEventListener('abort', stopReading, { once: true });
  if (options.signal?.aborted) reading.abort();
  let frames: AsyncIterable<InputFrame>;
  let live: boolean;
  let label: string;
  let rate = fps;
  if (isMediaStream(source)) {
    const { buffer, method, stopTracks } = captureFor('camera', capture);
    frames = mediaStreamFrames(source, { signal, ...(buffer === undefined ? {} : { buffer }), ...(method === undefined ? {} : { method }), ...(stopTracks === undefined ? {} : { stopTracks }) });
    live = true;
    label = 'camera';
    rate ??= source.getVideoTracks()[0]?.getSettings().frameRate;
  } else if (isVideoElement(source)) {
    const { buffer } = captureFor('video', capture);
    frames = videoElementFrames(source, { signal, ...(buffer === undefined ? {} : { buffer }) });
    live = true;
    label = source.currentSrc || 'video';
  } else if (typeof source === 'object' && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
    const { close } = captureFor('frames', capture);
    frames = videoFrames(source, { signal, ...(close === undefined ? {} : { close }) });
    live = false;
    label = 'frames';
  } else {
    throw new InvalidOptionError('source', `the source must be an HTMLVideoElement, a MediaStream or an iterable of VideoFrames, got ${Object.prototype.toString.call(source)}`);
  }
  const results = predictFrames(target, frames, {
    ...rest,
    policy: policy ?? (live ? 'latest' : 'every'),
    source: name ?? label,
    ...(rate === undefined ? {} : { fps: rate }),
  });
  try {
    for (;;) {
      const step = await results.next();
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // The source stops first: under `latest` a read is always pending, and an async generator's return() waits
    // for it, which a paused video or a stalled camera would never answer.
    reading.abort();
    options.signal?.removeEventListener('abort', stopReading);
    await results.return(undefined);
  }
}

/** Options of the browser's {@link track}: those of {@link stream}, with the tracker's. */
export interface BrowserTrackOptions extends Omit<BrowserStreamOptions, 'track'> {
  /**
   * ByteTrack's options, or a tracker to continue (with `persist`).
   * @defaultValue Ultralytics' `bytetrack.yaml`, at the source's frame rate (a camera's, or 30)
   */
  readonly tracker?: ByteTrackerOptions | ByteTracker<Detection>;
}

/**
 * The browser's {@link stream} with ByteTrack: each result with `tracks` (the detections of confirmed tracks, each
 * with its `trackId`), the tracker updated here in frame order. As Node's `track`.
 *
 * @example
 * ```ts
 * import { track } from '@yolokit/stream/browser';
 * import type { FramePredictor } from '@yolokit/stream/browser';
 * declare const model: FramePredictor;
 * const video = document.querySelector('video')!;
 * for await (const frame of track(model, video)) console.log(frame.tracks?.map((t) => t.trackId));
 * ```
 */
export function track(target: FramePredictor, source: BrowserVideoSource, options: BrowserTrackOptions = {}): AsyncGenerator<FrameResult> {
  const { tracker, ...rest } = options;
  return stream(target, source, { ...rest, track: tracker ?? true });
}
