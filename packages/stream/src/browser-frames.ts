/**
 * Frame sources in the browser: a playing `<video>`, a `MediaStream` (a webcam) and an iterable of WebCodecs
 * `VideoFrame`s, each as an async iterable of raw RGBA frames (`InputFrame`: `{ index, time, width, height,
 * channels: 4, data }`) that `predictFrames` and any yolokit model or predictor take. Pixels are read by drawing the
 * frame on one reused canvas (`getImageData`): the same RGBA bytes core's browser decoder gets from an image, so
 * no decoder is involved. No Node API here.
 */
import { InvalidOptionError } from '@yolokit/core';
import { booleanOption, oneOf, optionsObject, positiveInteger, rejectUnknown } from '@yolokit/core/internal';
import type { InputFrame } from './predict-frames.js';

/** A raw RGBA frame read in the browser, with its index and time. */
export interface BrowserFrame extends InputFrame {
  readonly index: number;
  /** Seconds from the first frame read (the video's `mediaTime`, or the `VideoFrame`'s timestamp). */
  readonly time: number;
  readonly channels: 4;
  /** `width × height × 4` bytes (`ImageData`'s), a buffer of its own: free to transfer to a worker. */
  readonly data: Uint8ClampedArray;
}

/** Options of {@link videoElementFrames}. */
export interface VideoElementFramesOptions {
  /**
   * Frames read but not yet taken that are kept; when the consumer falls behind, the oldest is skipped (its index
   * is then missing, and the `latest` policy counts it as dropped). A live video cannot wait for its reader.
   * @defaultValue 2
   */
  readonly buffer?: number;
  /** Stops reading: the callbacks are cancelled and the iteration ends. */
  readonly signal?: AbortSignal;
}

/** Options of {@link mediaStreamFrames}. */
export interface MediaStreamFramesOptions extends VideoElementFramesOptions {
  /**
   * How frames are taken from the stream's video track: `processor` (WebCodecs' `MediaStreamTrackProcessor`, one
   * `VideoFrame` per camera frame, closed once read), `video` (a hidden `<video>` element playing the stream), or
   * `auto`: the processor where the browser has it.
   * @defaultValue `'auto'`
   */
  readonly method?: 'auto' | 'processor' | 'video';
  /**
   * Stop the stream's tracks when the iteration ends, releasing the camera (its light goes off; each track's
   * `readyState` becomes `'ended'`).
   * @defaultValue true
   */
  readonly stopTracks?: boolean;
}

/** Options of {@link videoFrames}. */
export interface VideoFramesOptions {
  /**
   * Close each `VideoFrame` once its pixels are read (they hold decoder or camera memory until closed): the frames
   * given are consumed. `false` leaves them to the caller.
   * @defaultValue true
   */
  readonly close?: boolean;
  /** Stops reading and ends the iteration. */
  readonly signal?: AbortSignal;
}

/** Reads the pixels of anything a canvas can draw, on one canvas reused for every frame. */
export class FramePixels {
  #canvas: OffscreenCanvas | HTMLCanvasElement | undefined;
  #context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | undefined;

  /** The RGBA pixels of `source` at `width × height`, in a buffer of their own. */
  read(source: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
    const context = this.#contextOf(width, height);
    context.drawImage(source, 0, 0, width, height);
    return context.getImageData(0, 0, width, height).data;
  }

  #contextOf(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
    if (!this.#canvas || !this.#context) {
      // A worker has no document: OffscreenCanvas where there is one.
      this.#canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
      // willReadFrequently: the canvas stays in memory the CPU reads, instead of a GPU texture read back per frame.
      const context = this.#canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
      if (!context) throw new Error('the browser gave no 2D canvas context to read video frames with');
      this.#context = context;
    } else if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    return this.#context;
  }
}


/** Frames kept waiting for the reader: 2 unless given. */
function checkBuffer(buffer: unknown): number {
  return positiveInteger(buffer, 'options.buffer', 2);
}

/**
 * Frames that arrive on their own (a playing video calls back per frame): kept in a small queue, the oldest
 * skipped when the reader falls behind; the reader waits when the queue is empty.
 */
class PushQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  constructor(private readonly capacity: number) {}
  push(item: T): void {
    if (this.#items.length >= this.capacity) this.#items.shift();
    this.#items.push(item);
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  async next(): Promise<T | undefined> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) return item;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?(callback: (now: number, metadata: { mediaTime: number; presentedFrames: number }) => void): number;
  cancelVideoFrameCallback?(handle: number): void;
};

/**
 * The frames a `<video>` element shows, as it plays them (a file, or a `MediaStream` as its `srcObject`): read
 * with `requestVideoFrameCallback` once per new frame where the browser has it, else once per animation frame
 * when the video's time has moved. Index counts the frames read (a gap is a frame skipped because the reader fell
 * `buffer` frames behind); time is the frame's media time from the first one read. Ends when the video ends;
 * leaving the loop (or `signal`) cancels the callbacks. Playback is the caller's: play the video first.
 *
 * @example
 * ```ts
 * import { videoElementFrames } from '@yolokit/stream/browser';
 * const video = document.querySelector('video')!;
 * await video.play();
 * for await (const frame of videoElementFrames(video)) console.log(frame.index, frame.time, frame.width);
 * ```
 */
export async function* videoElementFrames(video: HTMLVideoElement, options: VideoElementFramesOptions = {}): AsyncGenerator<BrowserFrame> {
  rejectUnknown(optionsObject(options, 'options'), ['buffer', 'signal'], 'a video element');
  const queue = new PushQueue<BrowserFrame>(checkBuffer(options.buffer));
  const pixels = new FramePixels();
  const element = video as FrameCallbackVideo;
  let index = 0;
  let start: number | undefined;
  let lastTime = -1;
  let handle = 0;
  let stopped = false;
  const capture = (mediaTime: number) => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (width === 0 || height === 0) return;
    start ??= mediaTime;
    queue.push({ index: index++, time: mediaTime - start, width, height, channels: 4, data: pixels.read(video, width, height) });
  };
  const schedule = () => {
    if (stopped) return;
    if (element.requestVideoFrameCallback) {
      handle = element.requestVideoFrameCallback((_now, metadata) => {
        capture(metadata.mediaTime);
        schedule();
      });
    } else {
      handle = requestAnimationFrame(() => {
        // One frame per new picture: an animation frame comes at the display's rate, often faster than the video.
        if (video.readyState >= 2 && video.currentTime !== lastTime) {
          lastTime = video.currentTime;
          capture(video.currentTime);
        }
        schedule();
      });
    }
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (element.cancelVideoFrameCallback) element.cancelVideoFrameCallback(handle);
    else cancelAnimationFrame(handle);
    video.removeEventListener('ended', stop);
    options.signal?.removeEventListener('abort', stop);
    queue.end();
  };
  video.addEventListener('ended', stop);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  schedule();
  try {
    for (;;) {
      const frame = await queue.next();
      if (frame === undefined) return;
      yield frame;
    }
  } finally {
    stop();
  }
}

/**
 * `VideoFrame`s (WebCodecs: a `VideoDecoder`'s output, a `MediaStreamTrackProcessor`'s readable, frames you make)
 * as raw RGBA frames, read only as fast as they are taken. Index counts the frames; time is each frame's timestamp
 * (microseconds) from the first one's, in seconds. Each frame is closed once read unless `close: false`.
 *
 * @example
 * ```ts
 * import { videoFrames } from '@yolokit/stream/browser';
 * declare const decoded: AsyncIterable<VideoFrame>;
 * for await (const frame of videoFrames(decoded)) console.log(frame.index, frame.time);
 * ```
 */
export async function* videoFrames(frames: AsyncIterable<VideoFrame> | Iterable<VideoFrame>, options: VideoFramesOptions = {}): AsyncGenerator<BrowserFrame> {
  rejectUnknown(optionsObject(options, 'options'), ['close', 'signal'], 'a video frames');
  const close = booleanOption(options.close, 'options.close', true);
  const pixels = new FramePixels();
  let index = 0;
  let start: number | undefined;
  for await (const frame of frames) {
    let data: Uint8ClampedArray | undefined;
    const { displayWidth: width, displayHeight: height, timestamp } = frame;
    try {
      if (!options.signal?.aborted) data = pixels.read(frame, width, height);
    } finally {
      if (close) frame.close();
    }
    if (data === undefined) return;
    start ??= timestamp;
    yield { index: index++, time: (timestamp - start) / 1e6, width, height, channels: 4, data };
  }
}

/** WebCodecs' `MediaStreamTrackProcessor` (Chromium), which the DOM types of TypeScript do not declare yet. */
interface TrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}
type TrackProcessorConstructor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => TrackProcessor;

/** Whether {@link mediaStreamFrames} can use WebCodecs' `MediaStreamTrackProcessor` here. */
export function hasTrackProcessor(): boolean {
  return typeof (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor === 'function';
}

/**
 * The frames of a `MediaStream`'s video track (a webcam from `getUserMedia`, a screen capture, a canvas's
 * `captureStream()`), as raw RGBA frames: through WebCodecs' `MediaStreamTrackProcessor` (each `VideoFrame`
 * closed once read) where the browser has it, else through a hidden `<video>` element playing the stream. Ends
 * when the track ends; leaving the loop (or `signal`) releases everything it started, and stops the stream's
 * tracks unless `stopTracks: false`.
 *
 * @example
 * ```ts
 * import { mediaStreamFrames } from '@yolokit/stream/browser';
 * const camera = await navigator.mediaDevices.getUserMedia({ video: true });
 * for await (const frame of mediaStreamFrames(camera)) if (frame.index === 30) break; // the camera is released
 * ```
 */
export async function* mediaStreamFrames(stream: MediaStream, options: MediaStreamFramesOptions = {}): AsyncGenerator<BrowserFrame> {
  rejectUnknown(optionsObject(options, 'options'), ['buffer', 'signal', 'method', 'stopTracks'], 'a media stream');
  const stopTracks = booleanOption(options.stopTracks, 'options.stopTracks', true);
  checkBuffer(options.buffer);
  const method = oneOf(options.method, 'options.method', ['auto', 'processor', 'video'] as const, 'auto');
  if (method === 'processor' && !hasTrackProcessor()) {
    throw new InvalidOptionError('options.method', "options.method is 'processor' but this browser has no MediaStreamTrackProcessor: use 'auto' or 'video'");
  }
  const track = stream.getVideoTracks()[0];
  if (!track) throw new InvalidOptionError('stream', 'the MediaStream has no video track (ask getUserMedia for { video: true })');
  try {
    if (method === 'processor' || (method === 'auto' && hasTrackProcessor())) yield* processorFrames(track, options);
    else yield* hiddenVideoFrames(stream, options);
  } finally {
    if (stopTracks) for (const each of stream.getTracks()) each.stop();
  }
}

async function* processorFrames(track: MediaStreamTrack, options: MediaStreamFramesOptions): AsyncGenerator<BrowserFrame> {
  const Processor = (globalThis as unknown as { MediaStreamTrackProcessor: TrackProcessorConstructor }).MediaStreamTrackProcessor;
  const reader = new Processor({ track, maxBufferSize: checkBuffer(options.buffer) }).readable.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) cancel();
  async function* read(): AsyncGenerator<VideoFrame> {
    for (;;) {
      const step = await reader.read();
      if (step.done) return;
      yield step.value;
    }
  }
  try {
    yield* videoFrames(read());
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    // Cancelling the readable closes the frames the processor still queues and lets go of the track.
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

async function* hiddenVideoFrames(stream: MediaStream, options: MediaStreamFramesOptions): AsyncGenerator<BrowserFrame> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  try {
    await video.play();
    yield* videoElementFrames(video, { ...(options.buffer === undefined ? {} : { buffer: options.buffer }), ...(options.signal ? { signal: options.signal } : {}) });
  } finally {
    video.pause();
    video.srcObject = null;
  }
}
