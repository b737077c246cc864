import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidOptionError, type PredictOptions } from '@yolokit/core';
import { type Command, Option } from 'commander';
import { DEFAULT_DRAWERS } from './annotate-image.js';
import type { DrawableResult } from './drawer.js';
import { BACKEND_NAMES, type BackendName, createInProcessPredictor, resolveModelPath } from './image-predictor.js';
import { type PredictFlags, predictOptionsFromFlags } from './predict-flags.js';
import type { CliIo } from './run-predict.js';
import { STRATEGY_NAMES, type StrategyFlags, strategyPredictorFromFlags } from './strategy-predictor.js';

type StreamModule = typeof import('@yolokit/stream');
type FrameResult = import('@yolokit/stream').FrameResult;

/** The flags of `yolokit track` as commander hands them over. */
export interface TrackCommandFlags extends PredictFlags, StrategyFlags {
  readonly model?: string;
  readonly backend: BackendName;
  readonly save?: string;
  readonly json?: string;
  readonly timeoutMs?: string;
}

/** What {@link runTrack} did. */
export interface TrackOutcome {
  readonly frames: number;
  /** Distinct track ids seen. */
  readonly tracks: number;
  /** Frames dropped (live sources). */
  readonly dropped: number;
}

/** Adds `yolokit track --model M SOURCE [--save out.mp4] [--json out.jsonl]` to the program. */
export function registerTrackCommand(program: Command, io: CliIo): void {
  program
    .command('track')
    .summary('track objects through a video, image sequence, stream URL or camera (ByteTrack)')
    .description(
      'Detect objects in every frame of a video (decoded by FFmpeg) and follow them with ByteTrack, as Ultralytics\' yolo track: one JSON line per frame with each tracked detection\'s trackId, and an annotated video.',
    )
    .argument('<source>', 'a video file, an image sequence such as frames/%04d.png, an http(s):// or rtsp:// URL, or /dev/video0')
    .option('-m, --model <file>', 'the model, an Ultralytics ONNX export')
    .addOption(new Option('--backend <name>', 'the runtime').choices(BACKEND_NAMES).default('onnx'))
    .option('--conf <number>', "minimum confidence, 0 to 1 (default: 0.1, as Ultralytics' track: ByteTrack's second association needs low scores)")
    .option('--iou <number>', 'NMS IoU, 0 to 1')
    .option('--max-det <count>', 'at most this many detections per frame')
    .option('--classes <ids>', 'keep only these class ids, comma-separated')
    .option('--imgsz <size>', 'input size for models with a dynamic input')
    .option('--agnostic', 'class-agnostic NMS')
    .option('--json <file>', 'write one JSON line per frame: {source, frame, time, width, height, detections (+ trackId), speed}; - for stdout')
    .option('--save <file>', 'write the annotated video (H.264 MP4 through FFmpeg), boxes labelled id:N')
    .option('--timeout-ms <ms>', 'fail when the source gives nothing for this long (default: 15000)')
    .option(
      '--strategy <name>',
      `detect on a pool from @yolokit/concurrency: ${STRATEGY_NAMES.join(', ')}; frames go to any worker, tracking stays in this process, in frame order (default: one model in this process)`,
    )
    .option('--workers <count>', 'worker threads or processes for --strategy threads|processes (default: cores / threads per worker)')
    .option('--threads-per-worker <count>', "the runtime's intra-op threads in each instance (default: cores / workers)")
    .option('--allow-oversubscribe', 'allow --workers × --threads-per-worker above 4 per core (refused without it)')
    .addHelpText('after', ['', 'Examples:', '  yolokit track --model yolov8n.onnx clip.mp4 --save tracked.mp4 --json tracks.jsonl', '  yolokit track --model yolov8n.onnx rtsp://camera.local/live --json -', '  yolokit track --model yolov8n.onnx clip.mp4 --strategy processes --workers 2 --json tracks.jsonl'].join('\n'))
    .action(async (source: string, flags: TrackCommandFlags) => {
      await runTrack(source, flags, io);
    });
}

/** The prediction options given on the command line (only those: the model's own defaults stay), conf 0.1 by default. */
function trackPredictOptions(flags: TrackCommandFlags): Omit<PredictOptions, 'signal'> {
  const resolved = predictOptionsFromFlags(flags) as unknown as Record<string, unknown>;
  const given: Record<string, unknown> = { conf: 0.1 };
  const names: Record<string, keyof PredictFlags> = { conf: 'conf', iou: 'iou', maxDet: 'maxDet', classes: 'classes', imgsz: 'imgsz', agnostic: 'agnostic' };
  for (const [option, flag] of Object.entries(names)) if (flags[flag] !== undefined) given[option] = resolved[option];
  return given;
}

/**
 * Runs `yolokit track`: detection on one model in this process or, with `--strategy`, on a pool from
 * `@yolokit/concurrency` (frames of the video spread over its workers, results reordered by `@yolokit/stream`);
 * the tracker always runs here, in frame order, since it is the stream's state.
 */
export async function runTrack(source: string, flags: TrackCommandFlags, io: CliIo): Promise<TrackOutcome> {
  if (!flags.model) throw new InvalidOptionError('--model', 'yolokit track needs --model <file>: an Ultralytics ONNX export (yolo export model=yolov8n.pt format=onnx)');
  const predict = trackPredictOptions(flags);
  const timeoutMs = flags.timeoutMs === undefined ? undefined : Number(flags.timeoutMs);
  let stream: StreamModule;
  try {
    stream = await import('@yolokit/stream');
  } catch (error) {
    throw new InvalidOptionError('track', `yolokit track needs @yolokit/stream: npm install @yolokit/stream (${(error as Error).message})`);
  }
  const local = /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('/dev/') ? source : resolve(io.cwd, source);
  const video = { ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  // Flags are checked before the video is opened: a wrong --workers is a usage error, not a video error.
  const factory = flags.strategy === undefined && flags.workers === undefined && flags.threadsPerWorker === undefined ? createInProcessPredictor : strategyPredictorFromFlags(flags);
  const info = await stream.probeVideo(local, video);
  // A video is many images: the plan says so, so that the pool is sized for a run, not for one image.
  const predictor = await factory({ backend: flags.backend, model: resolveModelPath(flags.model, io.cwd) }, { images: Number.MAX_SAFE_INTEGER });
  const json = flags.json === undefined ? undefined : flags.json === '-' ? io.stdout : createWriteStream(resolve(io.cwd, flags.json));
  const encoder = flags.save === undefined ? undefined : startEncoder(resolve(io.cwd, flags.save), info.width, info.height, info.fps);
  let frames = 0;
  let dropped = 0;
  const ids = new Set<number>();
  const started = performance.now();
  try {
    // Keep every worker busy with one more frame queued behind it (the predictor's own concurrency), and at least
    // two frames in flight so that decoding overlaps inference on one model.
    const concurrency = Math.max(2, predictor.concurrency);
    for await (const frame of stream.track(predictor, local, { predict, video, concurrency, keepFrames: encoder !== undefined })) {
      frames += 1;
      dropped = frame.dropped;
      for (const t of frame.tracks ?? []) ids.add(t.trackId);
      if (json) await write(json as Writable, `${JSON.stringify(frame)}\n`);
      if (encoder) await write(encoder.stdin as NonNullable<ChildProcess['stdin']>, await annotatedFrame(frame));
    }
    if (encoder) await finishEncoder(encoder, flags.save as string);
  } finally {
    if (encoder && encoder.exitCode === null) encoder.kill('SIGKILL');
    await predictor.close();
    if (json && json !== io.stdout) await new Promise((done) => (json as WriteStream).end(done));
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = `${source}: ${frames} frames ${info.width}x${info.height}, ${ids.size} tracks, ${dropped} dropped, ${(frames / seconds).toFixed(1)} frames/s`;
  (flags.json === '-' ? io.stderr : io.stdout).write(`${summary}${flags.save ? `, saved ${flags.save}` : ''}\n`);
  return { frames, tracks: ids.size, dropped };
}

/** The frame with its tracked detections drawn by the CLI's drawers, labelled `id:N name conf` and coloured by id. */
async function annotatedFrame(frame: FrameResult): Promise<Buffer> {
  const image = frame.image as NonNullable<FrameResult['image']>;
  const drawable: DrawableResult = {
    width: frame.width,
    height: frame.height,
    // As Ultralytics' plot of a tracked result: the colour follows the track, the label leads with its id.
    detections: (frame.tracks ?? []).map((t) => ({ ...t.detection.toJSON(), classId: t.trackId, className: `id:${t.trackId} ${t.detection.className}` })),
    skeleton: frame.result.skeleton,
  };
  const layers = DEFAULT_DRAWERS.flatMap((drawer) => drawer.layers(drawable));
  const { default: sharp } = await import('sharp');
  let picture = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (layers.length > 0) picture = picture.composite(layers.map((layer) => ({ ...layer })));
  return picture.removeAlpha().raw().toBuffer();
}

function startEncoder(path: string, width: number, height: number, fps: number): ChildProcess {
  return spawn(
    'ffmpeg',
    ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', path],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
}

async function finishEncoder(encoder: ChildProcess, path: string): Promise<void> {
  let stderr = '';
  encoder.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((done) => {
    encoder.once('close', done);
    encoder.stdin?.end();
  });
  if (code !== 0) throw new InvalidOptionError('--save', `FFmpeg could not write ${path}: ${stderr.trim() || `exit code ${code}`}`);
}

type Writable = { write(chunk: string | Buffer): boolean; once?(event: 'drain', listener: () => void): unknown };

/** Writes and waits for the stream to take more when it is full (backpressure to the decoder). */
function write(target: Writable, chunk: string | Buffer): Promise<void> {
  if (target.write(chunk) || !target.once) return Promise.resolve();
  return new Promise((done) => target.once?.('drain', done));
}
