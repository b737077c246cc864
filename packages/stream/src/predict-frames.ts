/**
 * Per-frame predictions over any predictor, in frame order, with backpressure; tracking kept here, in the caller,
 * in frame order, while detection runs wherever the predictor runs it. Pure TypeScript over async iterables of
 * raw frames: the Node entry feeds it FFmpeg's frames, a browser could feed it its own.
 */
import { type Detection, type DetectionJSON, InvalidOptionError, type PredictOptions, type RawImage, type Result, type Speed } from '@yolokit/core';
import { oneOf, optionsObject, positiveInteger, rejectUnknown } from '@yolokit/core/internal';
import { ByteTracker, type ByteTrackerOptions, type TrackedDetection } from './byte-tracker.js';

/** Anything that predicts one image: a `YoloModel` or any `@yolokit/concurrency` predictor. */
export interface FramePredictor {
  predict(image: RawImage, options?: PredictOptions): Promise<Result>;
}

/** A raw frame (RGB or RGBA) with, when known, its index and time. */
export interface InputFrame extends RawImage {
  /**
   * Position in the stream; counted from 0 when absent. Under `latest`, a gap in the indexes counts as dropped
   * frames (a live source that skipped them).
   */
  readonly index?: number;
  /** Seconds from the start of the stream; `index / fps` (or 0) when absent. */
  readonly time?: number;
}

/**
 * How frames meet a pool that may be slower than the source:
 * - `every`: every frame is predicted; the source is read only as fast as results are taken (files).
 * - `latest`: the source is read as fast as it gives frames and only the newest waiting frame is predicted; the
 *   others are dropped and counted (live cameras and streams: the answer stays current). As Ultralytics'
 *   `stream_buffer` false.
 */
export type FramePolicy = 'every' | 'latest';

/** Options of {@link predictFrames}. */
export interface PredictFramesOptions {
  /** @defaultValue `'every'` */
  readonly policy?: FramePolicy;
  /**
   * Most frames of this stream being predicted at once. Enough to keep a pool busy (its workers, plus one each
   * waiting); each stream on a shared pool has its own, so no stream can take the whole queue.
   * @defaultValue 2
   */
  readonly concurrency?: number;
  /** Prediction options of every frame (conf, iou, classes, ...). */
  readonly predict?: Omit<PredictOptions, 'signal'>;
  /**
   * Track objects across frames with ByteTrack: `true` (defaults), its options, or a tracker to continue (see
   * `persist`).
   * @defaultValue false
   */
  readonly track?: boolean | ByteTrackerOptions | ByteTracker<Detection>;
  /**
   * With a tracker given in `track`: keep its tracks and identities from an earlier source instead of resetting it
   * (Ultralytics' `persist=True`). A new tracker starts empty either way.
   * @defaultValue false
   */
  readonly persist?: boolean;
  /** The source's name in results and JSON lines. @defaultValue `'stream'` */
  readonly source?: string;
  /** Frames per second, for times of frames that have none. */
  readonly fps?: number;
  /**
   * Keep each frame's pixels on its result (`image`), for drawing. A copy goes to the predictor then, since a
   * `threads` predictor moves the buffer it is given.
   * @defaultValue false
   */
  readonly keepFrames?: boolean;
  /** Stops the stream: predictions in flight are cancelled, the source is closed, the iteration ends with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** A detection in a frame's JSON line: the result's detection JSON, plus its track's id when tracking. */
export type FrameDetectionJSON = DetectionJSON & { trackId?: number };

/** One JSON line of a stream: `{ source, frame, time, width, height, detections, speed }`. */
export interface FrameJSON {
  source: string;
  frame: number;
  time: number;
  width: number;
  height: number;
  detections: FrameDetectionJSON[];
  speed: Speed;
}

/** What a stream gives per frame, in frame order. */
export interface FrameResult {
  readonly source: string;
  /** The frame's index in the source (gaps are dropped frames under `latest`). */
  readonly frame: number;
  /** Seconds from the start of the source. */
  readonly time: number;
  readonly width: number;
  readonly height: number;
  /** The frame's prediction, every detection in it. */
  readonly result: Result;
  /**
   * Tracking: the detections of confirmed tracks with their `trackId` (Ultralytics' tracked result holds only
   * these). `undefined` without tracking.
   */
  readonly tracks: readonly TrackedDetection<Detection>[] | undefined;
  /** Frames of this stream dropped so far (always 0 under `every`). */
  readonly dropped: number;
  /** The frame's pixels, with `keepFrames`. */
  readonly image: InputFrame | undefined;
  /** The JSON line: with tracking only the tracked detections, each with its `trackId`. */
  toJSON(): FrameJSON;
}

const KNOWN_OPTIONS = new Set(['policy', 'concurrency', 'predict', 'track', 'persist', 'source', 'fps', 'keepFrames', 'signal']);

/** Validates {@link PredictFramesOptions}; each problem an `InvalidOptionError` naming the option. */
export function checkPredictFramesOptions(options: PredictFramesOptions): void {
  rejectUnknown(optionsObject(options, 'options', { call: 'stream' }), KNOWN_OPTIONS, 'a stream');
  oneOf(options.policy, 'options.policy', ['every', 'latest']);
  positiveInteger(options.concurrency, 'options.concurrency');
  if (options.fps !== undefined && !(typeof options.fps === 'number' && options.fps > 0)) {
    throw new InvalidOptionError('options.fps', `options.fps must be a positive number, got ${String(options.fps)}`);
  }
}

function trackerFor(options: PredictFramesOptions): ByteTracker<Detection> | undefined {
  const track = options.track;
  if (track === undefined || track === false) return undefined;
  if (track instanceof ByteTracker) {
    if (!options.persist) track.reset();
    return track;
  }
  return new ByteTracker<Detection>(track === true ? { frameRate: options.fps ?? 30 } : { frameRate: options.fps ?? 30, ...track });
}

/**
 * Predicts a stream of frames with any predictor; results come back in frame order, with track ids when asked.
 * Detection may run on any worker of a pool; the tracker is updated here, one frame after another.
 *
 * @example
 * ```ts
 * import { predictFrames } from '@yolokit/stream/track';
 * for await (const frame of predictFrames(model, frames, { track: true })) {
 *   console.log(frame.frame, frame.tracks?.map((t) => t.trackId));
 * }
 * ```
 */
export async function* predictFrames(target: FramePredictor, frames: AsyncIterable<InputFrame> | Iterable<InputFrame>, options: PredictFramesOptions = {}): AsyncGenerator<FrameResult> {
  checkPredictFramesOptions(options);
  const policy = options.policy ?? 'every';
  const concurrency = options.concurrency ?? 2;
  const source = options.source ?? 'stream';
  const tracker = trackerFor(options);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  const iterator = (Symbol.asyncIterator in frames ? frames[Symbol.asyncIterator]() : toAsync(frames as Iterable<InputFrame>)) as AsyncIterator<InputFrame>;
  const feed = policy === 'latest' ? new LatestFeed(iterator) : new EveryFeed(iterator);
  const inFlight: Array<{ frame: InputFrame; index: number; dropped: number; result: Promise<Result> }> = [];
  let counted = 0;
  try {
    for (;;) {
      while (inFlight.length < concurrency) {
        const next = await feed.next(inFlight.length === 0);
        if (next === undefined) break;
        const index = next.frame.index ?? counted;
        counted = index + 1;
        const image = options.keepFrames ? { ...next.frame, data: next.frame.data.slice() } : next.frame;
        const result = target.predict(image, { ...options.predict, signal: controller.signal });
        // A rejection is taken when its turn comes; until then it must not count as unhandled.
        result.catch(() => {});
        inFlight.push({ frame: next.frame, index, dropped: next.dropped, result });
      }
      const head = inFlight.shift();
      if (!head) break;
      const result = await head.result;
      const tracks = tracker?.update(result.detections);
      yield frameResult(source, head, result, tracks, options);
    }
    if (controller.signal.aborted) controller.signal.throwIfAborted();
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    if (inFlight.length > 0) {
      controller.abort(new Error('the stream ended'));
      await Promise.allSettled(inFlight.map((f) => f.result));
    }
    await feed.close();
  }
}

function frameResult(
  source: string,
  head: { frame: InputFrame; index: number; dropped: number },
  result: Result,
  tracks: TrackedDetection<Detection>[] | undefined,
  options: PredictFramesOptions,
): FrameResult {
  const time = head.frame.time ?? (options.fps ? head.index / options.fps : 0);
  return {
    source,
    frame: head.index,
    time,
    width: result.width,
    height: result.height,
    result,
    tracks,
    dropped: head.dropped,
    image: options.keepFrames ? head.frame : undefined,
    toJSON: () => ({
      source,
      frame: head.index,
      time,
      width: result.width,
      height: result.height,
      detections: tracks ? tracks.map((t) => ({ ...t.detection.toJSON(), trackId: t.trackId })) : result.detections.map((d) => d.toJSON()),
      speed: { ...result.speed },
    }),
  };
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

interface Feed {
  /** The next frame to predict, with the stream's dropped count then; `undefined` at the end. */
  next(mustWait: boolean): Promise<{ frame: InputFrame; dropped: number } | undefined>;
  close(): Promise<void>;
}

/** Every frame, pulled only when there is room: the source waits for the consumer. */
class EveryFeed implements Feed {
  constructor(private readonly iterator: AsyncIterator<InputFrame>) {}
  async next(): Promise<{ frame: InputFrame; dropped: number } | undefined> {
    const step = await this.iterator.next();
    return step.done ? undefined : { frame: step.value, dropped: 0 };
  }
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** Reads the source continuously, keeps the newest frame and counts the ones it overwrote. */
class LatestFeed implements Feed {
  #latest: InputFrame | undefined;
  #dropped = 0;
  /** The index the next frame should have when the source skipped none. */
  #expected = 0;
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #closed = false;
  #lastTurn = performance.now();
  readonly #pump: Promise<void>;

  constructor(private readonly iterator: AsyncIterator<InputFrame>) {
    this.#pump = this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#closed) {
        const step = await this.iterator.next();
        if (step.done) break;
        if (this.#latest !== undefined) this.#dropped += 1;
        // A live source that skipped frames before they reached here (a browser camera's frames presented while
        // nothing read them) numbers its frames with gaps: those count as dropped too, so that delivered + dropped
        // is every frame the source saw.
        const index = step.value.index;
        if (index !== undefined) {
          if (index > this.#expected) this.#dropped += index - this.#expected;
          this.#expected = index + 1;
        }
        this.#latest = step.value;
        this.#wake?.();
        // A source that always has a frame ready (a file, a camera's backlog) would otherwise keep this loop in
        // microtasks and starve everything else, predictions included: after 10 ms of reading, let the event loop
        // turn (once per frame would leave a backlog behind a model that blocks the loop while it runs).
        if (performance.now() - this.#lastTurn > 10) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          this.#lastTurn = performance.now();
        }
      }
    } catch (error) {
      this.#error = error;
    } finally {
      this.#done = true;
      this.#wake?.();
    }
  }

  async next(mustWait: boolean): Promise<{ frame: InputFrame; dropped: number } | undefined> {
    // With frames in flight, do not wait for a new one: take what is there or let the head finish first.
    for (;;) {
      if (this.#latest !== undefined) {
        const frame = this.#latest;
        this.#latest = undefined;
        return { frame, dropped: this.#dropped };
      }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error;
        return undefined;
      }
      if (!mustWait) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.iterator.return?.();
    await this.#pump.catch(() => {});
  }
}
