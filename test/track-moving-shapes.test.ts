import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '@yolokit/backend-onnx';
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { createPredictor, type ModelSpec, type Predictor } from '@yolokit/concurrency';
import { boxIou, createModel, type YoloModel } from '@yolokit/core';
import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath, generateMovingScenes, type MovingScenes } from '@yolokit/default-model';
import { type FrameResult, track, VideoSourceError } from '@yolokit/stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childPids } from './support/child-processes.js';
import { motMetrics } from './support/mot-metrics.js';

// Clips of the default model's shapes moving and crossing (exact boxes and identities from the generator), encoded
// to MP4 by FFmpeg here, then read back by FFmpeg, detected by the default model and tracked by ByteTrack.
let folder: string;
const clips: Array<{ path: string; truth: MovingScenes }> = [];
const CLIP_FRAMES = 36;

async function encode(clip: MovingScenes, path: string): Promise<void> {
  const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${clip.width}x${clip.height}`, '-framerate', '25', '-i', 'pipe:0', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', path], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  for (const frame of clip.frames) ffmpeg.stdin.write(frame.data);
  ffmpeg.stdin.end();
  const code = await new Promise((resolve) => ffmpeg.once('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}`);
}

const spec = (): ModelSpec => ({
  backend: onnxSpec(),
  model: defaultModelPath('onnx'),
  defaults: { ...DEFAULT_MODEL_PREDICT_DEFAULTS },
});

async function collect(frames: AsyncIterable<FrameResult>): Promise<FrameResult[]> {
  const out: FrameResult[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

/** What a tracked stream said, per frame: frame index and [trackId, box rounded to 0.01 px] sorted by id. */
const summary = (frames: FrameResult[]) =>
  frames.map((f) => [f.frame, (f.tracks ?? []).map((t) => [t.trackId, ...t.detection.box.map((v) => Math.round(v * 100) / 100)]).sort((a, b) => a[0] - b[0])]);

let model: YoloModel;
const reference: Array<ReturnType<typeof summary>> = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'yolokit-track-'));
  for (const seed of [11, 12, 13, 14]) {
    const truth = generateMovingScenes(seed, { frames: CLIP_FRAMES, objects: 4 });
    const path = join(folder, `clip-${seed}.mp4`);
    await encode(truth, path);
    clips.push({ path, truth });
  }
  model = await createModel({ backend: onnx({ intraOpNumThreads: 1 }), model: defaultModelPath('onnx'), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
  for (const clip of clips) reference.push(summary(await collect(track(model, clip.path))));
});

afterAll(async () => {
  await model?.dispose();
  await rm(folder, { recursive: true, force: true });
});

describe('tracking moving shapes from MP4 with the default model', () => {
  it('MOTA ≥ 0.9 and IDF1 ≥ 0.9 on each clip, at most 2 identity switches', async () => {
    // The clips do cross: in each, the two shapes of a pair overlap (IoU of their true boxes above 0.1) at some frame.
    for (const clip of clips) {
      const crossing = clip.truth.frames.some((f) => boxIou(f.objects[0].box, f.objects[1].box) > 0.1 && boxIou(f.objects[2].box, f.objects[3].box) > 0.1);
      expect(crossing).toBe(true);
    }
    const scores = clips.map((clip, c) => {
      const frames = reference[c];
      expect(frames.map(([index]) => index)).toEqual(Array.from({ length: CLIP_FRAMES }, (_, i) => i));
      return motMetrics(
        clip.truth.frames.map((truthFrame, i) => ({
          truth: truthFrame.objects.map((o) => ({ id: o.id, box: o.box })),
          hypotheses: (frames[i][1] as number[][]).map(([id, x1, y1, x2, y2]) => ({ id, box: [x1, y1, x2, y2] as const })),
        })),
      );
    });
    console.log(scores.map((s) => `MOTA ${s.mota.toFixed(3)} IDF1 ${s.idf1.toFixed(3)} switches ${s.idSwitches} misses ${s.misses} fp ${s.falsePositives}`).join('\n'));
    for (const score of scores) {
      expect(score.mota).toBeGreaterThanOrEqual(0.9);
      expect(score.idf1).toBeGreaterThanOrEqual(0.9);
      expect(score.idSwitches).toBeLessThanOrEqual(2);
    }
  });
});

describe('4 streams through processes with 2 workers', () => {
  let predictor: Predictor | undefined;
  afterEach(async () => {
    await predictor?.close({ abort: true });
    predictor = undefined;
    // No FFmpeg left behind (the pool's own processes are gone with close).
    expect(childPids()).toEqual([]);
  });

  it('every frame of every stream once, in order, tracks equal to one stream alone in this process; a failing stream ends typed and the others go on', async () => {
    predictor = await createPredictor({ strategy: 'processes', workers: 2, threadsPerWorker: 1, model: spec() });
    const runs = clips.map((clip) => collect(track(predictor as Predictor, clip.path, { concurrency: 2 })));
    const failing = collect(track(predictor, join(folder, 'gone.mp4'))).then(
      () => undefined,
      (error) => error,
    );
    const results = await Promise.all(runs);
    expect(await failing).toBeInstanceOf(VideoSourceError);
    results.forEach((frames, c) => {
      expect(frames.map((f) => f.frame)).toEqual(Array.from({ length: CLIP_FRAMES }, (_, i) => i));
      expect(summary(frames)).toEqual(reference[c]);
    });
  });

  it('a worker killed mid-run: its frames are predicted again, order and tracks as without the kill', async () => {
    predictor = await createPredictor({ strategy: 'processes', workers: 2, threadsPerWorker: 1, model: spec(), retryOnWorkerDeath: true });
    const workers = predictor.stats().workers.map((w) => w.id);
    expect(workers).toHaveLength(2);
    let killed = false;
    const runs = clips.map((clip, c) =>
      collect(
        (async function* () {
          for await (const frame of track(predictor as Predictor, clip.path, { concurrency: 2 })) {
            if (c === 0 && frame.frame === 10 && !killed) {
              killed = true;
              process.kill(workers[0], 'SIGKILL');
            }
            yield frame;
          }
        })(),
      ),
    );
    const results = await Promise.all(runs);
    expect(killed).toBe(true);
    expect(readFileSync(`/proc/${workers[1]}/stat`, 'utf8')).toContain(String(workers[1]));
    expect(predictor.stats().workers.map((w) => w.id)).not.toContain(workers[0]);
    results.forEach((frames, c) => {
      expect(frames.map((f) => f.frame)).toEqual(Array.from({ length: CLIP_FRAMES }, (_, i) => i));
      expect(summary(frames)).toEqual(reference[c]);
    });
  });
});
