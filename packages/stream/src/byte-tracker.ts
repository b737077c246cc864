/**
 * ByteTrack as Ultralytics implements it: ultralytics 8.3, `trackers/byte_tracker.py` (`BYTETracker`, `STrack`),
 * `trackers/utils/matching.py` (`iou_distance`, `fuse_score`, `linear_assignment`) and `cfg/trackers/bytetrack.yaml`
 * (the defaults). Two-stage association: tracks (confirmed and lost) against high-score detections by IoU fused
 * with the score, then the still-tracked leftovers against low-score detections at IoU distance 0.5; unconfirmed
 * tracks (seen once) against the high-score leftovers at 0.7; new tracks from high-score leftovers; lost tracks
 * dropped after `trackBuffer` frames (scaled by the frame rate). Oriented boxes are compared by probabilistic IoU
 * (core's `probiou`, Ultralytics' `batch_probiou`).
 *
 * One tracker is the state of one stream: feed it every frame's detections in frame order. It is pure
 * computation (no I/O, no Node API), for Node and browsers alike.
 */
import { boxIou, InvalidOptionError, type OrientedBox, probiou } from '@yolokit/core';
import { booleanOption } from '@yolokit/core/internal';
import { KalmanFilterXYAH, type KalmanState } from './kalman-filter-xyah.js';
import { linearAssignment } from './linear-assignment.js';

/** What the tracker needs of a detection; core's `Detection` has it, and so does its JSON form. */
export interface TrackableDetection {
  /** `[x1, y1, x2, y2]` in pixels. */
  readonly box: readonly [number, number, number, number];
  readonly confidence: number;
  readonly classId: number;
  /** Oriented-box models: the rotated box, tracked by its centre, sides and angle and matched by probiou. */
  readonly obb?: OrientedBox;
}

/** A detection of this frame with the identity the tracker gave it. */
export interface TrackedDetection<D extends TrackableDetection = TrackableDetection> {
  /** The track's identity: a positive integer, unique within the tracker until {@link ByteTracker.reset}. */
  readonly trackId: number;
  /** The detection as given (with its mask, keypoints or oriented box). */
  readonly detection: D;
  /** Its index in the frame's detections. */
  readonly index: number;
  /**
   * The track's box after this frame's Kalman update `[x1, y1, x2, y2]`: what Ultralytics puts in the tracked
   * result's `boxes` (close to, not equal to, the detection's box).
   */
  readonly box: [number, number, number, number];
  /** Oriented boxes: the track's rotated box (the Kalman centre and sides, the detection's angle). */
  readonly obb?: OrientedBox;
}

/** Options of {@link ByteTracker}; the defaults are Ultralytics' `bytetrack.yaml`. */
export interface ByteTrackerOptions {
  /**
   * Detections at or above this score take part in the first association (and may start tracks).
   * @defaultValue 0.25
   */
  readonly trackHighThresh?: number;
  /**
   * Detections above this score and below `trackHighThresh` take part in the second association only.
   * @defaultValue 0.1
   */
  readonly trackLowThresh?: number;
  /**
   * A high-score detection left unmatched starts a track when its score reaches this.
   * @defaultValue 0.25
   */
  readonly newTrackThresh?: number;
  /**
   * Frames (at 30 fps) a lost track is kept to be found again.
   * @defaultValue 30
   */
  readonly trackBuffer?: number;
  /**
   * Most cost (1 − IoU, fused with the score) of a match in the first association.
   * @defaultValue 0.8
   */
  readonly matchThresh?: number;
  /**
   * Multiply IoU by the detection's score before the first association.
   * @defaultValue true
   */
  readonly fuseScore?: boolean;
  /**
   * The stream's frame rate: a lost track is kept `floor(frameRate / 30 × trackBuffer)` frames.
   * @defaultValue 30
   */
  readonly frameRate?: number;
}

type Status = 'new' | 'tracked' | 'lost' | 'removed';

/** Ultralytics' `STrack`: a detection, and once activated a track. */
class STrack<D extends TrackableDetection> {
  /** `[left, top, width, height]` of the detection. */
  readonly tlwh: readonly [number, number, number, number];
  angle: number | undefined;
  score: number;
  classId: number;
  index: number;
  detection: D;
  kalman: KalmanState | undefined;
  status: Status = 'new';
  activated = false;
  trackId = 0;
  frameId = 0;
  startFrame = 0;
  trackletLength = 0;

  constructor(detection: D, index: number) {
    this.detection = detection;
    this.index = index;
    this.score = detection.confidence;
    this.classId = detection.classId;
    if (detection.obb) {
      const { cx, cy, w, h, angle } = detection.obb;
      this.tlwh = [cx - w / 2, cy - h / 2, w, h];
      this.angle = angle;
    } else {
      const [x1, y1, x2, y2] = detection.box;
      this.tlwh = [x1, y1, x2 - x1, y2 - y1];
    }
  }

  /** The current box `[left, top, width, height]`: the Kalman mean once there is one. */
  currentTlwh(): [number, number, number, number] {
    if (!this.kalman) return [...this.tlwh];
    const [x, y, a, h] = this.kalman.mean;
    const w = a * h;
    return [x - w / 2, y - h / 2, w, h];
  }

  xyxy(): [number, number, number, number] {
    const [l, t, w, h] = this.currentTlwh();
    return [l, t, l + w, t + h];
  }

  obb(): OrientedBox | undefined {
    if (this.angle === undefined) return undefined;
    const [l, t, w, h] = this.currentTlwh();
    return { cx: l + w / 2, cy: t + h / 2, w, h, angle: this.angle };
  }

  activate(filter: KalmanFilterXYAH, frameId: number, trackId: number): void {
    this.trackId = trackId;
    this.kalman = filter.initiate(toXyah(this.tlwh));
    this.trackletLength = 0;
    this.status = 'tracked';
    // A track born after the first frame waits for a second sighting (the unconfirmed association) to count.
    if (frameId === 1) this.activated = true;
    this.frameId = frameId;
    this.startFrame = frameId;
  }

  reActivate(filter: KalmanFilterXYAH, detection: STrack<D>, frameId: number): void {
    this.kalman = filter.update(this.kalman as KalmanState, toXyah(detection.tlwh));
    this.trackletLength = 0;
    this.status = 'tracked';
    this.activated = true;
    this.frameId = frameId;
    this.take(detection);
  }

  update(filter: KalmanFilterXYAH, detection: STrack<D>, frameId: number): void {
    this.frameId = frameId;
    this.trackletLength += 1;
    this.kalman = filter.update(this.kalman as KalmanState, toXyah(detection.tlwh));
    this.status = 'tracked';
    this.activated = true;
    this.take(detection);
  }

  private take(detection: STrack<D>): void {
    this.score = detection.score;
    this.classId = detection.classId;
    this.angle = detection.angle;
    this.index = detection.index;
    this.detection = detection.detection;
  }
}

function toXyah([l, t, w, h]: readonly [number, number, number, number]): [number, number, number, number] {
  return [l + w / 2, t + h / 2, w / h, h];
}

const UNIT_OPTIONS = ['trackHighThresh', 'trackLowThresh', 'newTrackThresh', 'matchThresh'] as const;
const KNOWN_OPTIONS = new Set<string>([...UNIT_OPTIONS, 'trackBuffer', 'fuseScore', 'frameRate']);

/** Validates {@link ByteTrackerOptions} and applies the defaults; every problem is an `InvalidOptionError`. */
export function resolveByteTrackerOptions(options: ByteTrackerOptions = {}, where = 'tracker'): Required<ByteTrackerOptions> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(where, `${where} must be an object of ByteTrack options, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidOptionError(`${where}.${key}`, `${where}.${key} is not a ByteTrack option; known options: ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  const resolved = {
    trackHighThresh: 0.25,
    trackLowThresh: 0.1,
    newTrackThresh: 0.25,
    trackBuffer: 30,
    matchThresh: 0.8,
    fuseScore: true,
    frameRate: 30,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  } as Required<ByteTrackerOptions>;
  for (const key of UNIT_OPTIONS) {
    const value = resolved[key];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new InvalidOptionError(`${where}.${key}`, `${where}.${key} must be a number from 0 to 1, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(resolved.trackBuffer) || resolved.trackBuffer < 0) {
    throw new InvalidOptionError(`${where}.trackBuffer`, `${where}.trackBuffer must be a non-negative integer (frames), got ${String(resolved.trackBuffer)}`);
  }
  if (typeof resolved.frameRate !== 'number' || !(resolved.frameRate > 0) || !Number.isFinite(resolved.frameRate)) {
    throw new InvalidOptionError(`${where}.frameRate`, `${where}.frameRate must be a positive number (frames per second), got ${String(resolved.frameRate)}`);
  }
  booleanOption(resolved.fuseScore, `${where}.fuseScore`, true);
  return resolved;
}

/**
 * ByteTrack: give it each frame's detections in frame order, it gives back those that belong to confirmed tracks,
 * each with its `trackId`.
 *
 * @example
 * ```ts
 * import { ByteTracker } from '@yolokit/stream/track';
 * const tracker = new ByteTracker({ frameRate: 25 });
 * for (const frame of [[{ box: [10, 10, 50, 50], confidence: 0.9, classId: 0 }]] as const) {
 *   for (const { trackId, detection } of tracker.update(frame)) console.log(trackId, detection.box);
 * }
 * ```
 */
export class ByteTracker<D extends TrackableDetection = TrackableDetection> {
  readonly options: Readonly<Required<ByteTrackerOptions>>;
  /** Frames a lost track is kept. */
  readonly maxTimeLost: number;
  #tracked: STrack<D>[] = [];
  #lost: STrack<D>[] = [];
  #frame = 0;
  #nextId = 1;
  readonly #filter = new KalmanFilterXYAH();

  constructor(options: ByteTrackerOptions = {}) {
    this.options = Object.freeze(resolveByteTrackerOptions(options));
    this.maxTimeLost = Math.floor((this.options.frameRate / 30) * this.options.trackBuffer);
  }

  /** Frames seen since the start or the last {@link reset}. */
  get frame(): number {
    return this.#frame;
  }

  /** Forgets every track and restarts identities at 1 (Ultralytics' `reset`, what a new source does). */
  reset(): void {
    this.#tracked = [];
    this.#lost = [];
    this.#frame = 0;
    this.#nextId = 1;
  }

  /** One frame's detections in; the detections of confirmed tracks out, in the tracker's order, as Ultralytics. */
  update(detections: readonly D[]): TrackedDetection<D>[] {
    const { trackHighThresh, trackLowThresh, newTrackThresh, matchThresh } = this.options;
    const filter = this.#filter;
    this.#frame += 1;
    const frame = this.#frame;
    const activatedTracks: STrack<D>[] = [];
    const refound: STrack<D>[] = [];
    const lostNow: STrack<D>[] = [];
    const removedNow: STrack<D>[] = [];

    const high: STrack<D>[] = [];
    const low: STrack<D>[] = [];
    detections.forEach((detection, index) => {
      const score = detection.confidence;
      if (score >= trackHighThresh) high.push(new STrack(detection, index));
      else if (score > trackLowThresh) low.push(new STrack(detection, index));
    });

    const unconfirmed = this.#tracked.filter((t) => !t.activated);
    const confirmed = this.#tracked.filter((t) => t.activated);
    // Step 2: first association, confirmed and lost tracks against the high-score detections.
    const pool = joinTracks(confirmed, this.#lost);
    for (const track of pool) {
      const state = track.kalman as KalmanState;
      const mean = state.mean.slice();
      // A lost track's height stops changing: its box keeps its size while it drifts.
      if (track.status !== 'tracked') mean[7] = 0;
      track.kalman = filter.predict({ mean, covariance: state.covariance });
    }
    const first = linearAssignment(this.#distances(pool, high), matchThresh, high.length);
    for (const [t, d] of first.matches) {
      const track = pool[t];
      if (track.status === 'tracked') {
        track.update(filter, high[d], frame);
        activatedTracks.push(track);
      } else {
        track.reActivate(filter, high[d], frame);
        refound.push(track);
      }
    }
    // Step 3: second association, tracks still unmatched (and tracked, not lost) against low-score detections.
    const remaining = first.unmatchedRows.map((t) => pool[t]).filter((t) => t.status === 'tracked');
    const second = linearAssignment(iouDistance(remaining, low), 0.5, low.length);
    for (const [t, d] of second.matches) {
      const track = remaining[t];
      track.update(filter, low[d], frame);
      activatedTracks.push(track);
    }
    for (const t of second.unmatchedRows) {
      const track = remaining[t];
      if (track.status !== 'lost') {
        track.status = 'lost';
        lostNow.push(track);
      }
    }
    // Unconfirmed tracks (seen on one frame) against the high-score detections nobody took.
    const leftovers = first.unmatchedColumns.map((d) => high[d]);
    const third = linearAssignment(this.#distances(unconfirmed, leftovers), 0.7, leftovers.length);
    for (const [t, d] of third.matches) {
      unconfirmed[t].update(filter, leftovers[d], frame);
      activatedTracks.push(unconfirmed[t]);
    }
    for (const t of third.unmatchedRows) {
      unconfirmed[t].status = 'removed';
      removedNow.push(unconfirmed[t]);
    }
    // Step 4: new tracks.
    for (const d of third.unmatchedColumns) {
      const track = leftovers[d];
      if (track.score < newTrackThresh) continue;
      track.activate(filter, frame, this.#nextId++);
      activatedTracks.push(track);
    }
    // Step 5: forget tracks lost too long.
    for (const track of this.#lost) {
      if (frame - track.frameId > this.maxTimeLost) {
        track.status = 'removed';
        removedNow.push(track);
      }
    }
    let tracked = this.#tracked.filter((t) => t.status === 'tracked');
    tracked = joinTracks(joinTracks(tracked, activatedTracks), refound);
    let lost = subtractTracks(this.#lost, tracked);
    lost.push(...lostNow);
    lost = subtractTracks(lost, removedNow);
    [this.#tracked, this.#lost] = removeDuplicates(tracked, lost);

    return this.#tracked
      .filter((t) => t.activated)
      .map((t) => {
        const obb = t.obb();
        return { trackId: t.trackId, detection: t.detection, index: t.index, box: t.xyxy(), ...(obb ? { obb } : {}) };
      });
  }

  #distances(tracks: readonly STrack<D>[], detections: readonly STrack<D>[]): Float64Array[] {
    const distances = iouDistance(tracks, detections);
    if (this.options.fuseScore) {
      // Ultralytics' fuse_score: 1 − IoU × score.
      for (const row of distances) for (let j = 0; j < row.length; j++) row[j] = 1 - (1 - row[j]) * detections[j].score;
    }
    return distances;
  }
}

/** `1 − IoU` of every pair; probiou when both sides are oriented boxes (Ultralytics' `iou_distance`). */
function iouDistance<D extends TrackableDetection>(a: readonly STrack<D>[], b: readonly STrack<D>[]): Float64Array[] {
  const rotated = a.length > 0 && b.length > 0 && a[0].angle !== undefined && b[0].angle !== undefined;
  const aBoxes = a.map((t) => (rotated ? t.obb() : t.xyxy()));
  const bBoxes = b.map((t) => (rotated ? t.obb() : t.xyxy()));
  return aBoxes.map((boxA) =>
    Float64Array.from(bBoxes, (boxB) =>
      // Axis-aligned: Ultralytics' bbox_ioa(iou=True), 1e-7 added to the union.
      rotated ? 1 - probiou(boxA as OrientedBox, boxB as OrientedBox) : 1 - boxIou(boxA as readonly number[], boxB as readonly number[], 1e-7),
    ),
  );
}

function joinTracks<D extends TrackableDetection>(a: readonly STrack<D>[], b: readonly STrack<D>[]): STrack<D>[] {
  const seen = new Set(a.map((t) => t.trackId));
  const out = [...a];
  for (const t of b) {
    if (!seen.has(t.trackId)) {
      seen.add(t.trackId);
      out.push(t);
    }
  }
  return out;
}

function subtractTracks<D extends TrackableDetection>(a: readonly STrack<D>[], b: readonly STrack<D>[]): STrack<D>[] {
  const ids = new Set(b.map((t) => t.trackId));
  return a.filter((t) => !ids.has(t.trackId));
}

/** A tracked and a lost track on the same spot (IoU above 0.85): the younger one goes (Ultralytics' rule). */
function removeDuplicates<D extends TrackableDetection>(tracked: STrack<D>[], lost: STrack<D>[]): [STrack<D>[], STrack<D>[]] {
  const distances = iouDistance(tracked, lost);
  const dropTracked = new Set<number>();
  const dropLost = new Set<number>();
  distances.forEach((row, p) => {
    row.forEach((distance, q) => {
      if (!(distance < 0.15)) return;
      const ageP = tracked[p].frameId - tracked[p].startFrame;
      const ageQ = lost[q].frameId - lost[q].startFrame;
      if (ageP > ageQ) dropLost.add(q);
      else dropTracked.add(p);
    });
  });
  return [tracked.filter((_, i) => !dropTracked.has(i)), lost.filter((_, i) => !dropLost.has(i))];
}
