// The tracking entry (`@yolokit/stream/track`): pure computation, no Node API, for browsers as for Node.
export { linearAssignment, hungarian, type Assignment } from './linear-assignment.js';
export { KalmanFilterXYAH, type KalmanState, type Xyah } from './kalman-filter-xyah.js';
export {
  ByteTracker,
  resolveByteTrackerOptions,
  type ByteTrackerOptions,
  type TrackableDetection,
  type TrackedDetection,
} from './byte-tracker.js';
export {
  predictFrames,
  checkPredictFramesOptions,
  type FramePolicy,
  type FramePredictor,
  type FrameResult,
  type FrameJSON,
  type FrameDetectionJSON,
  type InputFrame,
  type PredictFramesOptions,
} from './predict-frames.js';
