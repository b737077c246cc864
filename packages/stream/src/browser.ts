// The browser entry (`@yolokit/stream/browser`): tracking and predictFrames (as `./track`), frame sources from a
// <video>, a MediaStream and VideoFrames, and stream/track over them. No Node API.
export * from './track.js';
export {
  FramePixels,
  hasTrackProcessor,
  mediaStreamFrames,
  videoElementFrames,
  videoFrames,
  type BrowserFrame,
  type MediaStreamFramesOptions,
  type VideoElementFramesOptions,
  type VideoFramesOptions,
} from './browser-frames.js';
export { stream, track, type BrowserStreamOptions, type BrowserTrackOptions, type BrowserVideoSource, type CaptureOptions } from './browser-stream.js';
