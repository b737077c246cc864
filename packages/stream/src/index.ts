// The Node entry: tracking (also alone in `@yolokit/stream/track`), FFmpeg sources and streams over predictors.
export * from './track.js';
export { FfmpegNotFoundError, VideoSourceError, VideoTimeoutError, type VideoErrorReason } from './video-errors.js';
export {
  openVideo,
  probeVideo,
  decodeFrames,
  sourceKind,
  type SourceKind,
  type VideoFrame,
  type VideoInfo,
  type VideoSource,
  type VideoSourceOptions,
} from './video-source.js';
export { stream, track, type StreamOptions, type TrackOptions } from './stream.js';
