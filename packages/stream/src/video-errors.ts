import { registerErrorClasses, YoloError } from '@yolokit/core';

/**
 * FFmpeg (or ffprobe) could not be started: it is not installed or not on `PATH`. Code `BACKEND_UNAVAILABLE`:
 * FFmpeg is the runtime that decodes video, as onnxruntime is the one that runs models.
 */
export class FfmpegNotFoundError extends YoloError {
  /** The program that was looked for (`ffmpeg`, `ffprobe` or the path given). */
  readonly program: string;
  constructor(program: string, options?: { cause?: unknown }) {
    super(
      'BACKEND_UNAVAILABLE',
      `${program} was not found: video needs FFmpeg. Install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or pass its path as ffmpegPath / ffprobePath.`,
      options,
    );
    this.program = program;
  }
}

/** Why a video source failed. */
export type VideoErrorReason = 'not-found' | 'unreadable' | 'no-video' | 'empty' | 'failed';

/**
 * A video could not be read: missing (`not-found`), not a video FFmpeg can decode (`unreadable`), without a video
 * stream (`no-video`), without a single frame (`empty`), or FFmpeg failed while decoding it or found it damaged
 * part-way, after its good frames (`failed`). Code
 * `IMAGE_UNREADABLE`, as an image that cannot be decoded: a video is frames of images.
 */
export class VideoSourceError extends YoloError {
  readonly source: string;
  readonly reason: VideoErrorReason;
  constructor(source: string, reason: VideoErrorReason, message: string, options?: { cause?: unknown }) {
    super('IMAGE_UNREADABLE', message, options);
    this.source = source;
    this.reason = reason;
  }
}

/** A source gave nothing for `timeoutMs` (a stream URL that never answers, a camera that stalls). Code `TIMEOUT`. */
export class VideoTimeoutError extends YoloError {
  readonly source: string;
  readonly timeoutMs: number;
  /** What was waited for: the first answer (`probe`) or the next frame (`frame`). */
  readonly stage: 'probe' | 'frame';
  constructor(source: string, stage: 'probe' | 'frame', timeoutMs: number) {
    super(
      'TIMEOUT',
      stage === 'probe'
        ? `${source} gave no answer within ${timeoutMs} ms (is the stream up? raise timeoutMs for slow sources)`
        : `${source} gave no frame for ${timeoutMs} ms (the stream stalled; raise timeoutMs for slow sources)`,
    );
    this.source = source;
    this.stage = stage;
    this.timeoutMs = timeoutMs;
  }
}

registerErrorClasses(FfmpegNotFoundError, VideoSourceError, VideoTimeoutError);
