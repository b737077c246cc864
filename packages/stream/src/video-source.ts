/**
 * Video in Node through FFmpeg, spawned (no native addon, nothing downloaded): `ffprobe` for the facts (size, frame
 * rate, frame count), `ffmpeg` for the frames, decoded to raw `rgb24` on a pipe, one buffer per frame, read only as
 * fast as the consumer takes them (the pipe's backpressure pauses FFmpeg). Presentation timestamps come from
 * FFmpeg's `showinfo` filter on stderr. Files, image sequences (`frames/%04d.png`), `http(s)://` and `rtsp://` URLs
 * and V4L2 cameras (`/dev/video0`) are all one FFmpeg input.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { InvalidOptionError } from '@yolokit/core';
import { milliseconds, rejectUnknown } from '@yolokit/core/internal';
import { FfmpegNotFoundError, VideoSourceError, VideoTimeoutError } from './video-errors.js';

/** What ffprobe says about a source's first video stream. */
export interface VideoInfo {
  readonly width: number;
  readonly height: number;
  /** Frames per second (the stream's average rate; its nominal rate when no average is known). */
  readonly fps: number;
  /** Frames in the file, when the container says (absent for live streams and some containers). */
  readonly frameCount: number | undefined;
  /** Seconds, when known. */
  readonly duration: number | undefined;
}

/** One decoded frame: raw RGB pixels (a `RawImage` that any yolokit model or predictor takes), with its place in time. */
export interface VideoFrame {
  /** 0 for the first frame, in decoding order. */
  readonly index: number;
  /** Presentation time in seconds from the start of the stream (FFmpeg's `pts_time`). */
  readonly time: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  /** `width × height × 3` bytes, rows top to bottom; a buffer of its own, free to transfer to a worker. */
  readonly data: Uint8Array;
}

/** Options of {@link openVideo}. */
export interface VideoSourceOptions {
  /**
   * The FFmpeg program.
   * @defaultValue `'ffmpeg'` (from `PATH`)
   */
  readonly ffmpegPath?: string;
  /**
   * The ffprobe program.
   * @defaultValue `'ffprobe'` (from `PATH`)
   */
  readonly ffprobePath?: string;
  /**
   * Most milliseconds to wait for the probe's answer, and then between two frames, before a
   * {@link VideoTimeoutError}.
   * @defaultValue 15000
   */
  readonly timeoutMs?: number;
  /** Ends probing and reading with an `AbortError`-like stop: FFmpeg is killed and the iteration ends. */
  readonly signal?: AbortSignal;
}

interface ResolvedVideoOptions {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

const KNOWN_OPTIONS = new Set(['ffmpegPath', 'ffprobePath', 'timeoutMs', 'signal']);

function resolveVideoOptions(options: VideoSourceOptions = {}): ResolvedVideoOptions {
  rejectUnknown(options, KNOWN_OPTIONS, 'a video source');
  const timeoutMs = milliseconds(options.timeoutMs, 'options.timeoutMs', 15_000);
  for (const key of ['ffmpegPath', 'ffprobePath'] as const) {
    if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === '')) {
      throw new InvalidOptionError(`options.${key}`, `options.${key} must be a non-empty string (a program name or path), got ${String(options[key])}`);
    }
  }
  return { ffmpegPath: options.ffmpegPath ?? 'ffmpeg', ffprobePath: options.ffprobePath ?? 'ffprobe', timeoutMs, signal: options.signal };
}

/** What kind of FFmpeg input a source string is. */
export type SourceKind = 'file' | 'sequence' | 'url' | 'camera';

/** Files, `%d` image sequences, URLs (any `scheme://`) and V4L2 cameras (`/dev/video*`). */
export function sourceKind(source: string): SourceKind {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return 'url';
  if (/^\/dev\/video\d+$/.test(source)) return 'camera';
  if (/%\d*d/.test(source)) return 'sequence';
  return 'file';
}

/** FFmpeg's input arguments for a source: its demuxer where it cannot guess it, network timeouts in µs. */
function inputArguments(source: string, timeoutMs: number): string[] {
  const kind = sourceKind(source);
  // FFmpeg's own network timeout is twice ours, so that ours (a typed TIMEOUT) fires first.
  const micros = String(Math.round(timeoutMs * 2000));
  if (kind === 'camera') return ['-f', 'v4l2', '-i', source];
  if (kind === 'sequence') return ['-f', 'image2', '-i', source];
  if (/^rtsp:/i.test(source)) return ['-rtsp_transport', 'tcp', '-timeout', micros, '-i', source];
  if (kind === 'url') return ['-rw_timeout', micros, '-i', source];
  return ['-i', source];
}

/** Spawns a program; an `ENOENT` becomes {@link FfmpegNotFoundError}. */
function start(program: string, args: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('spawn', () => resolve(child));
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new FfmpegNotFoundError(program, { cause: error }) : error));
  });
}

/** Resolves when the child has exited and its pipes are closed (so it is reaped: no zombie). */
function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    if (child.stdout?.closed !== false && child.stderr?.closed !== false) return Promise.resolve(child.exitCode);
  }
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/** Kills a child (if still running) and waits until it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
  await gone;
}

async function checkFile(source: string): Promise<void> {
  if (sourceKind(source) !== 'file') return;
  try {
    const info = await stat(source);
    if (!info.isFile() && !info.isCharacterDevice()) throw new Error('not a file');
  } catch (error) {
    throw new VideoSourceError(source, 'not-found', `video ${source} was not found (no such file)`, { cause: error });
  }
}

function parseRate(rate: unknown): number {
  if (typeof rate !== 'string') return 0;
  const [num, den] = rate.split('/').map(Number);
  const value = den ? num / den : num;
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** The last lines of FFmpeg's stderr, for messages. */
function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/**
 * Reads a source's size, frame rate and frame count with ffprobe.
 * @throws {@link FfmpegNotFoundError}, {@link VideoSourceError}, {@link VideoTimeoutError}
 */
export async function probeVideo(source: string, options: VideoSourceOptions = {}): Promise<VideoInfo> {
  const resolved = resolveVideoOptions(options);
  await checkFile(source);
  const args = ['-v', 'error', ...inputArguments(source, resolved.timeoutMs).filter((a) => a !== '-i')];
  // ffprobe takes the input as its last argument, without -i.
  args.push('-select_streams', 'v:0', '-show_entries', 'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:format=duration', '-of', 'json');
  const child = await start(resolved.ffprobePath, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => child.kill('SIGKILL');
  resolved.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const outcome = await Promise.race([
      exited(child).then((code) => ({ code })),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), resolved.timeoutMs);
      }),
    ]);
    if (outcome === 'timeout') throw new VideoTimeoutError(source, 'probe', resolved.timeoutMs);
    resolved.signal?.throwIfAborted();
    if (outcome.code !== 0) {
      throw new VideoSourceError(source, 'unreadable', `${source} is not a video FFmpeg can read: ${tail(stderr) || `ffprobe exited with ${outcome.code}`}`);
    }
    const parsed = JSON.parse(stdout || '{}') as { streams?: Array<Record<string, unknown>>; format?: Record<string, unknown> };
    const stream = parsed.streams?.[0];
    if (!stream || !(Number(stream.width) > 0) || !(Number(stream.height) > 0)) {
      throw new VideoSourceError(source, 'no-video', `${source} has no video stream`);
    }
    const fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
    const frames = Number(stream.nb_frames);
    const duration = Number(stream.duration ?? parsed.format?.duration);
    if (stream.nb_frames !== undefined && frames === 0) throw new VideoSourceError(source, 'empty', `${source} has no frames`);
    return {
      width: Number(stream.width),
      height: Number(stream.height),
      fps: fps || 25,
      frameCount: Number.isInteger(frames) && frames > 0 ? frames : undefined,
      duration: Number.isFinite(duration) && duration > 0 ? duration : undefined,
    };
  } finally {
    clearTimeout(timer);
    resolved.signal?.removeEventListener('abort', onAbort);
    await stop(child);
  }
}

const SHOWINFO = /n:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[\d.e+-]+)/;

/**
 * Decodes a source's frames as raw RGB, in order, with their timestamps. FFmpeg runs only while the iteration
 * does: it is paused by the pipe when the consumer is slow, killed and reaped when the loop ends early, throws or
 * is aborted.
 * @throws {@link FfmpegNotFoundError}, {@link VideoSourceError} (`empty`, `failed`), {@link VideoTimeoutError}
 */
export async function* decodeFrames(source: string, info: Pick<VideoInfo, 'width' | 'height' | 'fps'> & Partial<Pick<VideoInfo, 'frameCount'>>, options: VideoSourceOptions = {}): AsyncGenerator<VideoFrame> {
  const resolved = resolveVideoOptions(options);
  const { width, height } = info;
  const frameBytes = width * height * 3;
  const args = [
    '-hide_banner',
    '-nostdin',
    // Each line tagged with its level ([info], [error], ...): showinfo's timestamps are info, damage is error.
    '-loglevel',
    'level+info',
    ...inputArguments(source, resolved.timeoutMs),
    '-map',
    '0:v:0',
    '-vf',
    'showinfo',
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  const child = await start(resolved.ffmpegPath, args);
  const times: number[] = [];
  let errors = '';
  let pending = '';
  let timeWaiter: (() => void) | undefined;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const match = SHOWINFO.exec(line);
      if (match && line.includes('showinfo')) times[Number(match[1])] = Number(match[3]);
      else if (/\[(error|fatal|panic)\]/.test(line)) errors = `${errors}\n${line.replace(/^\[[^\]]+ @ 0x[0-9a-f]+\] /, '').replace(/\[(error|fatal|panic)\] /, '')}`.slice(-2000);
    }
    timeWaiter?.();
  });
  const stderrClosed = new Promise<void>((resolve) => child.stderr?.once('close', () => resolve()));
  const exit = exited(child);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    child.kill('SIGKILL');
  };
  resolved.signal?.addEventListener('abort', onAbort, { once: true });
  let index = 0;
  try {
    const stdout = child.stdout as NonNullable<ChildProcess['stdout']>;
    const chunks = stdout[Symbol.asyncIterator]();
    let frame = new Uint8Array(frameBytes);
    let filled = 0;
    for (;;) {
      const next = await withTimeout(chunks.next(), resolved.timeoutMs, () => {
        child.kill('SIGKILL');
        return new VideoTimeoutError(source, index === 0 && sourceKind(source) === 'url' ? 'probe' : 'frame', resolved.timeoutMs);
      });
      if (next.done) break;
      const chunk = next.value as Buffer;
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          const time = await timeOf(index);
          yield { index, time, width, height, channels: 3, data: frame };
          index += 1;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const code = await exit;
    if (aborted) return;
    if (code !== 0) {
      throw new VideoSourceError(source, 'failed', `FFmpeg failed while decoding ${source} after ${index} frames: ${tail(errors) || `exit code ${code}`}`);
    }
    if (index === 0) throw new VideoSourceError(source, 'empty', `${source} has no frames (FFmpeg decoded none)`);
    // FFmpeg ends a damaged file with success and the frames it could decode: fewer than the container promised,
    // with errors on the way, is a damaged video (after the frames that were good).
    const promised = 'frameCount' in info ? info.frameCount : undefined;
    if (promised !== undefined && index < promised && errors !== '') {
      throw new VideoSourceError(source, 'failed', `${source} is damaged: FFmpeg decoded ${index} of its ${promised} frames (${tail(errors, 1)})`);
    }
  } finally {
    resolved.signal?.removeEventListener('abort', onAbort);
    await stop(child);
  }

  // A frame's time is on stderr, which may lag stdout by a line: wait for it, or for stderr's end (then the rate).
  async function timeOf(i: number): Promise<number> {
    while (times[i] === undefined && child.stderr && !child.stderr.closed) {
      await Promise.race([new Promise<void>((resolve) => (timeWaiter = resolve)), stderrClosed]);
    }
    return times[i] ?? i / info.fps;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A probed video source: its facts, and its frames as many times as asked (each pass runs FFmpeg once). */
export interface VideoSource {
  readonly source: string;
  readonly info: VideoInfo;
  /** Decodes the frames, in order; see {@link decodeFrames}. */
  frames(options?: { signal?: AbortSignal }): AsyncGenerator<VideoFrame>;
}

/**
 * Probes a video file, image sequence, stream URL or camera, ready to decode.
 *
 * @example
 * ```ts
 * import { openVideo } from '@yolokit/stream';
 * const video = await openVideo('clip.mp4');
 * console.log(video.info.width, video.info.height, video.info.fps);
 * for await (const frame of video.frames()) console.log(frame.index, frame.time);
 * ```
 */
export async function openVideo(source: string, options: VideoSourceOptions = {}): Promise<VideoSource> {
  if (typeof source !== 'string' || source === '') throw new InvalidOptionError('source', `a video source must be a non-empty string (a path, a %d pattern, a URL or /dev/videoN), got ${String(source)}`);
  const info = await probeVideo(source, options);
  return {
    source,
    info,
    frames: (call = {}) => decodeFrames(source, info, { ...options, ...(call.signal ? { signal: call.signal } : {}) }),
  };
}
